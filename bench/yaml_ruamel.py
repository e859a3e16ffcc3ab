#!/usr/bin/env python3
"""The ruamel.yaml side of bench/yaml_bench.py: the usual comment-preserving
round trip (YAML(typ="rt") with preserve_quotes), making the same edits as
`gitops-bump edit` does in that benchmark.

    bench/yaml_ruamel.py IN OUT one SERVICE IMAGE MESSAGE
    bench/yaml_ruamel.py IN OUT all IMAGE REVISION
"""
import sys

from ruamel.yaml import YAML


def containers(doc):
    if not isinstance(doc, dict) or doc.get("kind") != "Deployment":
        return []
    return doc["spec"]["template"]["spec"]["containers"]


def main():
    src, dst, scenario, *args = sys.argv[1:]
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    with open(src, encoding="utf-8") as f:
        docs = list(yaml.load_all(f))
    for doc in docs:
        for c in containers(doc):
            if scenario == "one" and c["name"] == args[0]:
                c["image"] = args[1]
                for e in c["env"]:
                    if e["name"] == "LAST_COMMIT_MSG":
                        e["value"] = args[2]
            elif scenario == "all":
                c["image"] = args[0]
        if scenario == "all" and containers(doc):
            meta = doc["spec"]["template"]["metadata"]
            if meta.get("annotations") is None:
                meta["annotations"] = {}
            meta["annotations"]["gitops-bump/revision"] = args[1]
    with open(dst, "w", encoding="utf-8") as f:
        yaml.dump_all(docs, f)


if __name__ == "__main__":
    main()
