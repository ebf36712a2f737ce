# syntax=docker/dockerfile:1
#
# sportsgate container image: one static (musl) binary on distroless/static, non-root.
#
# Multi-arch without QEMU: every build stage runs on $BUILDPLATFORM and
# cross-compiles for $TARGETARCH with cargo-zigbuild (zig is the C compiler for
# aws-lc-sys/ring and the linker for the static musl binary). Only the final
# stage is per-target, and it only copies files, so nothing is ever emulated.
#
#   docker buildx create --use --name sportsgate-builder   # once
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     -t <registry>/sportsgate:<tag> --push .
#
# Single-arch local image:  docker buildx build --load -t sportsgate:dev .
# Details and the ECR variant: deploy/README.md.

# Base images are pinned by digest (the multi-arch index of the tag written beside it), so a
# tag rebuilt upstream cannot change what we ship. To bump: pick the new tag and take its
# digest from `docker buildx imagetools inspect <image>:<tag>`.
# DOCKER_LIBRARY picks the mirror of Docker's official images; the digest is the same on
# each (CodeBuild uses public.ecr.aws/docker/library to avoid Docker Hub's pull limits).
ARG DOCKER_LIBRARY=docker.io/library

# ---------------------------------------------------------------------------
# chef: toolchain on the *build* platform (rust + musl targets, zig, cargo-chef,
# cargo-zigbuild). Cached until one of the pinned versions below changes.
# ---------------------------------------------------------------------------
FROM --platform=$BUILDPLATFORM ${DOCKER_LIBRARY}/rust:1.95-trixie@sha256:f49565f188ee00bc2a18dd418183f2c5f23ef7d6e691890517ed341a598f67c3 AS chef
ARG BUILDARCH
# zig 0.14.x: 0.16's `zig ar` cannot create new archives (breaks cc-rs builds).
ARG ZIG_VERSION=0.14.1
ARG ZIG_SHA256_AMD64=24aeeec8af16c381934a6cd7d95c807a8cb2cf7df9fa40d359aa884195c4716c
ARG ZIG_SHA256_ARM64=f7a654acc967864f7a050ddacfaa778c7504a0eca8d2b678839c21eea47c992b
ARG CARGO_CHEF_VERSION=0.1.78
ARG CARGO_ZIGBUILD_VERSION=0.24.1
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
RUN case "${BUILDARCH}" in \
      amd64) zig_arch=x86_64;  zig_sha256="${ZIG_SHA256_AMD64}" ;; \
      arm64) zig_arch=aarch64; zig_sha256="${ZIG_SHA256_ARM64}" ;; \
      *) echo "unsupported build platform: ${BUILDARCH}" >&2; exit 1 ;; \
    esac \
 && curl -fsSL --proto '=https' --tlsv1.2 -o /tmp/zig.tar.xz \
      "https://ziglang.org/download/${ZIG_VERSION}/zig-${zig_arch}-linux-${ZIG_VERSION}.tar.xz" \
 && echo "${zig_sha256}  /tmp/zig.tar.xz" | sha256sum -c - \
 && mkdir -p /opt/zig \
 && tar -xJf /tmp/zig.tar.xz -C /opt/zig --strip-components=1 \
 && ln -s /opt/zig/zig /usr/local/bin/zig \
 && rm -f /tmp/zig.tar.xz \
 && zig version
RUN cargo install --locked "cargo-chef@${CARGO_CHEF_VERSION}" "cargo-zigbuild@${CARGO_ZIGBUILD_VERSION}" \
 && rustup target add x86_64-unknown-linux-musl aarch64-unknown-linux-musl \
 && rm -rf "${CARGO_HOME}/registry" "${CARGO_HOME}/git"
WORKDIR /src

# ---------------------------------------------------------------------------
# planner: reduce the workspace to a dependency recipe (Cargo.toml/lock only).
# ---------------------------------------------------------------------------
FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

# ---------------------------------------------------------------------------
# builder: cook dependencies (cached while Cargo.lock is unchanged), then build
# the dist-profile binary for the target architecture.
# ---------------------------------------------------------------------------
FROM chef AS builder
ARG TARGETARCH
# Cargo.toml's dist profile applies (opt-level 3, fat LTO, one codegen unit,
# stripped). For a smaller image at some speed cost: --build-arg CARGO_PROFILE_DIST_OPT_LEVEL=s
ARG CARGO_PROFILE_DIST_OPT_LEVEL=3
RUN case "${TARGETARCH}" in \
      amd64) echo x86_64-unknown-linux-musl ;; \
      arm64) echo aarch64-unknown-linux-musl ;; \
      *) echo "unsupported target architecture: ${TARGETARCH}" >&2; exit 1 ;; \
    esac > /rust-target
COPY --from=planner /src/recipe.json recipe.json
RUN cargo chef cook --profile dist --locked --zigbuild \
      --target "$(cat /rust-target)" --bin sportsgate --recipe-path recipe.json
COPY . .
RUN cargo zigbuild --profile dist --locked --bin sportsgate --target "$(cat /rust-target)" \
 && install -D -m 0755 "target/$(cat /rust-target)/dist/sportsgate" /out/sportsgate \
 && mkdir -p /out/data

# ---------------------------------------------------------------------------
# runtime: distroless/static (CA certificates, tzdata, /etc/passwd with
# nonroot=65532; no shell, no package manager). rustls reads the CA bundle from
# /etc/ssl/certs. Works with a read-only root filesystem: the only writable
# path the app needs is /data (SQLite default database), declared a VOLUME.
# ---------------------------------------------------------------------------
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab AS runtime
LABEL org.opencontainers.image.title="sportsgate" \
      org.opencontainers.image.description="Self-hosted sports-data API with an API-management layer" \
      org.opencontainers.image.licenses="MIT"
COPY --from=builder /out/sportsgate /usr/local/bin/sportsgate
COPY --from=builder --chown=65532:65532 /out/data /data
ENV SPORTSGATE_LISTEN=0.0.0.0:8080 \
    SPORTSGATE_LOG_FORMAT=json \
    SPORTSGATE_DATABASE_URL=sqlite:///data/sportsgate.db
WORKDIR /data
VOLUME ["/data"]
USER 65532:65532
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/sportsgate", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/sportsgate"]
CMD ["serve"]
