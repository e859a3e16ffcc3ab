# make demo: the whole story against the bundled fake GitHub (scripts/demo.sh).
#   make demo         push -> dispatch -> the GitOps repo receives it -> patch -> the commit (no network, no token)

.PHONY: demo
demo: check-deps
	@$(MAKE) --no-print-directory build/gitops-bump
	@sh scripts/demo.sh $(CURDIR)/build/gitops-bump
