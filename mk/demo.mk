# make demo: the story against the bundled fake GitHub (scripts/demo.sh).
#   make demo         push -> dispatch -> what the GitOps repo received (no network, no token)

.PHONY: demo
demo: check-deps
	@$(MAKE) --no-print-directory build/gitops-bump
	@sh scripts/demo.sh $(CURDIR)/build/gitops-bump
