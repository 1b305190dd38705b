#!/bin/sh
# poststart of the balancer: a script operation, run by the script plugin with the `ctx`
# command on PATH. It reads the balancer's address and records when it came up.
set -e
url="$(ctx instance runtime-properties url)"
ctx instance runtime-properties announced_at "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
ctx logger info "the balancer of deployment ${TRELLIS_DEPLOYMENT_ID} answers at ${url}"
