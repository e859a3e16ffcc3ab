# The action's image (issue 5), built with Buildah: no Docker engine needed.
#
#   make image        build localhost/gitops-bump:dev from the Dockerfile (the
#                     builder base is made locally with debootstrap unless
#                     BUILDER_IMAGE=pinned or BUILDER_IMAGE=ref@sha256:...)
#   make test-image   run the image exactly as actions/runner does, against
#                     the fake GitHub on loopback, and check its outputs

IMAGE ?= localhost/gitops-bump:dev

.PHONY: image test-image

image:
	@sh scripts/deps.sh image
	@IMAGE=$(IMAGE) sh scripts/image.sh build

test-image: image check-deps
	GB_IMAGE=$(IMAGE) $(PYTHON) -m pytest -q -p no:cacheprovider --rootdir=$(CURDIR) tests/image/check_image.py $(PYTEST_ARGS)
