# A static fleetdeck binary (musl) on a distroless base.
#   docker build -t fleetdeck .
# The controller runs as `fleetdeck controller` (see deploy/deployment.yaml).
# Helm sources need a helm binary: add one (and `tools.helm` in the config)
# if your apps use charts.
FROM rust:1.89-alpine AS build
RUN apk add --no-cache musl-dev pkgconf perl make cmake openssl-dev openssl-libs-static zlib-static tzdata
ENV OPENSSL_STATIC=1 \
    OPENSSL_LIB_DIR=/usr/lib \
    OPENSSL_INCLUDE_DIR=/usr/include
WORKDIR /src
COPY . .
# The controller needs no terminal UI.
RUN cargo build --release --locked --no-default-features --bin fleetdeck \
 && strip target/release/fleetdeck

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /src/target/release/fleetdeck /usr/local/bin/fleetdeck
# Sync windows with a timeZone read IANA zones from here.
COPY --from=build /usr/share/zoneinfo /usr/share/zoneinfo
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/fleetdeck"]
CMD ["controller", "--metrics-addr", "0.0.0.0:9464"]
