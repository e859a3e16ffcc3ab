# gitops-bump: one static binary in a FROM scratch image (about 1 MB).
#
# The builder runs scripts/static-build.sh, the same recipe as `make static`:
# pinned Debian 13 source packages (mbedTLS, curl, cJSON, libyaml), checked
# and built with musl-gcc, then gitops-bump linked fully static.
#
# BUILDER_IMAGE is pinned by digest.  To update it (e.g. for a Debian point
# release), resolve the tag's current index digest and replace the default:
#   docker buildx imagetools inspect docker.io/library/debian:bookworm-slim
#   (or: skopeo inspect --format '{{.Digest}}' docker://docker.io/library/debian:bookworm-slim)
# then run `make test-image` and the CI image job.  Where no registry is
# reachable, `make image` builds a builder base locally from Debian packages
# (debootstrap) and passes its digest here instead; see mk/image.mk.
ARG BUILDER_IMAGE=docker.io/library/debian:bookworm-slim@sha256:3783cc01769c7b2b1b83a5c5ad96c815348e28ed7da68e2e3687004faa906251

FROM ${BUILDER_IMAGE} AS builder
# The tools the recipe needs (none missing in the locally made base).
COPY scripts/deps.sh /src/scripts/deps.sh
RUN sh /src/scripts/deps.sh static
# The libraries first: this layer stays cached while only src/ changes.
COPY scripts/static-build.sh /src/scripts/static-build.sh
RUN sh /src/scripts/static-build.sh deps
COPY VERSION /src/VERSION
COPY src/ /src/src/
RUN sh /src/scripts/static-build.sh

# Docker actions run as the runner starts them: as root (no USER), in
# /github/workspace (no WORKDIR), with an absolute exec-form ENTRYPOINT.
FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
ARG SOURCE=https://github.com/gitops-bump/gitops-bump
LABEL org.opencontainers.image.title="gitops-bump" \
      org.opencontainers.image.description="GitHub Action: dispatch a deploy from an app repo and patch the GitOps manifest through the REST API" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.url="${SOURCE}" \
      org.opencontainers.image.documentation="${SOURCE}#readme"
# The CA bundle at the path compiled into the binary (SSL_CERT_FILE overrides).
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=builder /src/build/static/gitops-bump /gitops-bump
ENTRYPOINT ["/gitops-bump"]
