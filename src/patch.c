/* patch: placeholder until the receiver lands (issue 4). */
#include "patch.h"
#include "log.h"

int patch_run(const struct config *cfg)
{
	(void)cfg;
	log_error("mode 'patch' is not implemented yet");
	return -1;
}
