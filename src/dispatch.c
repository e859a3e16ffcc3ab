/* dispatch: placeholder until the sender lands (issue 2). */
#include "dispatch.h"
#include "log.h"

int dispatch_run(const struct config *cfg)
{
	(void)cfg;
	log_error("mode 'dispatch' is not implemented yet");
	return -1;
}
