/* edit: placeholder until the YAML editor lands (issue 3). */
#include "edit.h"
#include "log.h"

int edit_main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	log_error("'edit' is not implemented yet");
	return 1;
}
