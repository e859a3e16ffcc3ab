/*
 * yaml_floor: the floor under any libyaml-based editor.  It reads FILE into
 * memory, as `gitops-bump edit` does, and runs libyaml's event parser over it
 * once, doing nothing per event, then prints the number of events.
 *
 *     yaml_floor FILE
 *
 * make bench-yaml builds it twice, like gitops-bump: against Debian's libyaml
 * with the development toolchain, and with musl-gcc against the static
 * build's libyaml and allocator, and times it next to the editor.
 */
#include <yaml.h>

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	yaml_parser_t p;
	yaml_event_t ev;
	unsigned char *text = NULL;
	long events = 0, size;
	int rc = 1, done = 0;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: yaml_floor FILE\n");
		return 2;
	}
	if (!(f = fopen(argv[1], "rb")) || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || !(text = malloc((size_t)size + 1)) ||
	    fread(text, 1, (size_t)size, f) != (size_t)size) {
		perror(argv[1]);
		goto out;
	}
	if (!yaml_parser_initialize(&p))
		goto out;
	yaml_parser_set_input_string(&p, text, (size_t)size);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			fprintf(stderr, "%s: %s\n", argv[1], p.problem ? p.problem : "not YAML");
			yaml_parser_delete(&p);
			goto out;
		}
		done = ev.type == YAML_STREAM_END_EVENT;
		events++;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	printf("%ld events\n", events);
	rc = 0;
out:
	if (f)
		fclose(f);
	free(text);
	return rc;
}
