/*
 * gitops-bump: tell a GitOps repo to redeploy (dispatch), or edit a
 * manifest and commit it (patch), or finish a deploy whose pull request
 * was closed (land), or edit YAML in place (edit).
 *
 * main only reads the configuration, picks the mode and maps the result to
 * an exit status; each mode lives in its own module.
 */
#include "config.h"
#include "dispatch.h"
#include "edit.h"
#include "land.h"
#include "log.h"
#include "patch.h"

#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

int main(int argc, char **argv)
{
	struct config cfg;
	CURLcode cc;
	int rc = EXIT_FAIL;

	signal(SIGPIPE, SIG_IGN);
	log_init();
	if (config_load(&cfg, argc, argv) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	switch (cfg.mode) {
	case MODE_HELP:
		config_usage();
		rc = EXIT_OK;
		break;
	case MODE_VERSION:
		printf("gitops-bump %s\n", GB_VERSION);
		rc = EXIT_OK;
		break;
	case MODE_INPUTS:
		config_list_inputs();
		rc = EXIT_OK;
		break;
	case MODE_EDIT:
		rc = edit_main(cfg.edit_argc, cfg.edit_argv);
		break;
	case MODE_DISPATCH:
	case MODE_PATCH:
	case MODE_LAND:
		if ((cc = curl_global_init(CURL_GLOBAL_DEFAULT)) != CURLE_OK) {
			log_error("cannot initialise libcurl: %s", curl_easy_strerror(cc));
			break;
		}
		rc = cfg.mode == MODE_DISPATCH ? dispatch_run(&cfg) : cfg.mode == MODE_PATCH ?
		     patch_run(&cfg) : land_run(&cfg);
		rc = rc == GB_EUSAGE ? EXIT_USAGE : rc < 0 ? EXIT_FAIL : EXIT_OK;
		curl_global_cleanup();
		break;
	case MODE_NONE:
		rc = EXIT_USAGE;
		break;
	}
out:
	config_release(&cfg);
	log_reset();
	return rc;
}
