# The rcmock image: the mock Rocket.Chat server alone, FROM scratch.
#
# Why not a multi-stage build: the machines this project is built and tested on reach no image
# registry, so a `FROM golang:…` build stage cannot be pulled. The binary is built on the host
# instead, static and without cgo, so it needs nothing from a base image:
#
#   CGO_ENABLED=0 go build -trimpath -o build/rcmock ./mockserver/cmd/rcmock
#   docker build -t rcinvite/rcmock:dev .        # or simply: make image
#
# The fixtures and both contracts are embedded in the binary.
FROM scratch
COPY build/rcmock /rcmock
EXPOSE 3000
# Run as an unprivileged user; the image has no /etc/passwd, so use a bare uid.
USER 65534:65534
ENTRYPOINT ["/rcmock"]
CMD ["--addr", "0.0.0.0:3000"]
