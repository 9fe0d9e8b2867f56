# The Flink Console in a container (README, "Running in production").
#   docker build -t flink-console .
#   docker run -p 127.0.0.1:3000:3000 -v flink-console:/var/lib/flink-console flink-console
# Stage 1 builds with the project's own scripts: scripts/setup.sh installs what the build needs
# (the wasm target, wasm-bindgen-cli, the npm tools, Flink 2.3 from PyPI, the example jobs compiled
# with javac) and scripts/build.sh release builds the site and the server. Stage 2 is a slim Debian
# with a Java 17 runtime, for the local Flink cluster and the helper JVMs (compatibility checks, SQL).

# Tailwind v4 needs Node 20; Debian 12's own is 18.
FROM node:20-bookworm-slim AS node

FROM rust:1.95-bookworm AS build
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jdk-headless python3 python3-pip unzip curl ca-certificates \
 && rm -rf /var/lib/apt/lists/*
ENV CARGO_TARGET_DIR=/build/target \
    SITE_ROOT=/build/target/site
WORKDIR /src
COPY . .
RUN scripts/setup.sh && scripts/build.sh release \
 && mkdir -p /out/jobs \
 && cp "$CARGO_TARGET_DIR/release/flink-console" /out/ \
 && cp -r "$SITE_ROOT" /out/site \
 && cp jobs/build/*.jar /out/jobs/ \
 && cp -r .flink/flink-2.3.0 /out/flink

FROM debian:bookworm-slim
# Java for Flink and the helper JVMs; procps for Flink's scripts; curl for the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      openjdk-17-jre-headless procps curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/flink-console --shell /usr/sbin/nologin flink-console \
 && install -d -o flink-console -g flink-console -m 0750 /var/lib/flink-console
COPY --from=build /out/flink-console /usr/local/bin/flink-console
COPY --from=build /out/site /usr/share/flink-console/site
COPY --from=build /out/jobs /usr/share/flink-console/jobs
COPY --from=build /out/flink /opt/flink
# Listens on every interface of the container: publish the port to the TLS proxy only. With
# FLINK_HOME the console starts and supervises a local Flink cluster; set FLINK_URL to use a
# cluster of your own instead (the distribution still serves compatibility checks and SQL).
ENV CONSOLE_LISTEN=0.0.0.0:3000 \
    CONSOLE_DATA_DIR=/var/lib/flink-console \
    CONSOLE_SITE_ROOT=/usr/share/flink-console/site \
    CONSOLE_JOBS_DIR=/usr/share/flink-console/jobs \
    FLINK_HOME=/opt/flink \
    CONSOLE_LOG_FORMAT=json
VOLUME /var/lib/flink-console
WORKDIR /var/lib/flink-console
USER flink-console
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null http://127.0.0.1:3000/readyz || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/flink-console"]
