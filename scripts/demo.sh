#!/usr/bin/env bash
# The main job: install, build, compile a trained model (default: MPCViT
# mu = 0.5 from models/fmnist/) into a private executable, and run dealer,
# server and client as three processes over loopback, every link mutual TLS
# 1.3 (test certificates from scripts/make-certs.sh in build/demo/certs), on
# the first N Fashion-MNIST test images (scripts/demo.py; --model, --count,
# --chunk, --insecure).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
exec /usr/bin/python3 "$root/scripts/demo.py" "$@"
