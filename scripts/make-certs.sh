#!/usr/bin/env bash
# make-certs.sh: TEST certificates for the roles of an mpcvit program.
#
#   scripts/make-certs.sh [--days N] [--force] [--extra NAME]... DIR
#
# Writes into DIR (created if missing):
#   ca.crt, ca.key                 a self-signed test CA (CA:TRUE, critical;
#                                  keyUsage keyCertSign, cRLSign)
#   dealer.crt, dealer.key         one certificate per role, signed by the CA,
#   server.crt, server.key         with subject CN = mpcvit-<role> and
#   client.crt, client.key         subjectAltName DNS:mpcvit-<role>
#                                  (EC prime256v1, extendedKeyUsage serverAuth
#                                  and clientAuth, CA:FALSE)
#   NAME.crt, NAME.key             for each --extra NAME: the same, with
#                                  CN/SAN = NAME (the tests use it for a
#                                  certificate that names no role)
#
# Each role then runs with --tls-cert DIR/<role>.crt --tls-key DIR/<role>.key
# --tls-ca DIR/ca.crt; a peer's certificate must chain to the CA and name the
# role that peer plays.
#
# These are TEST certificates: the CA key lies beside them, unprotected. For
# production, issue the role certificates from your own CA with the same
# names (CN and DNS SAN mpcvit-dealer, mpcvit-server, mpcvit-client) and keep
# its key elsewhere.
#
# Options:
#   --days N       validity of every certificate in days (default 825)
#   --force        overwrite existing certificates in DIR (without it, the
#                  script refuses when DIR/ca.crt exists)
#   --extra NAME   also write NAME.crt/NAME.key (repeatable)
#   -h, --help     this text
#
# Needs only the openssl command line (OpenSSL 3). Keys are mode 600;
# temporary files (CSRs, extension files) go to a directory removed on exit.
set -euo pipefail

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
}

die() {
  echo "make-certs.sh: error: $*" >&2
  exit 1
}

days=825
force=0
dir=""
extras=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --days)
      [[ $# -ge 2 ]] || die "--days needs a value"
      [[ "$2" =~ ^[1-9][0-9]*$ ]] || die "--days: not a positive integer: $2"
      days="$2"; shift 2 ;;
    --force) force=1; shift ;;
    --extra)
      [[ $# -ge 2 ]] || die "--extra needs a name"
      # The name becomes a file name and a DNS SAN: keep it to DNS characters.
      [[ "$2" =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] ||
        die "--extra: not a DNS-style name (letters, digits, '.', '-'): $2"
      case "$2" in
        ca|dealer|server|client) die "--extra: '$2' is a reserved name" ;;
      esac
      extras+=("$2"); shift 2 ;;
    --) shift; [[ $# -ge 1 ]] && { dir="$1"; shift; }; break ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *)
      [[ -z "$dir" ]] || die "more than one DIR given: $dir, $1"
      dir="$1"; shift ;;
  esac
done
[[ $# -eq 0 ]] || die "unexpected arguments: $*"
[[ -n "$dir" ]] || { usage >&2; die "no DIR given"; }

command -v openssl >/dev/null 2>&1 || die "the openssl command is not installed"

if [[ -e "$dir/ca.crt" && $force -eq 0 ]]; then
  die "$dir/ca.crt exists; pass --force to overwrite the certificates in $dir"
fi
mkdir -p "$dir"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# Creates $dir/$1.key (EC P-256, mode 600), readable only by the owner from
# the start (umask) rather than chmod-ed after it was written.
new_key() {
  (umask 077 && openssl genpkey -algorithm EC \
     -pkeyopt ec_paramgen_curve:prime256v1 -out "$dir/$1.key" 2>/dev/null) ||
    die "cannot create the key $dir/$1.key"
  chmod 600 "$dir/$1.key"
}

# The CA.
new_key ca
cat > "$tmp/ca.cnf" <<'EOF2'
[req]
distinguished_name = dn
[dn]
[v3_ca_mpcvit]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
EOF2
openssl req -new -x509 -batch -key "$dir/ca.key" -subj "/CN=mpcvit test CA" \
  -days "$days" -sha256 -config "$tmp/ca.cnf" -extensions v3_ca_mpcvit \
  -out "$dir/ca.crt" || die "cannot create the CA certificate"

# A leaf certificate with CN and DNS SAN $2, written to $dir/$1.{crt,key}.
leaf() {
  local file="$1" name="$2"
  new_key "$file"
  openssl req -new -batch -config "$tmp/ca.cnf" -key "$dir/$file.key" \
    -subj "/CN=$name" \
    -out "$tmp/$file.csr" || die "cannot create the request for $name"
  cat > "$tmp/$file.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = DNS:$name
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid, issuer
EOF
  # A random serial per certificate (no .srl file beside the CA).
  openssl x509 -req -in "$tmp/$file.csr" -CA "$dir/ca.crt" \
    -CAkey "$dir/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -sha256 -extfile "$tmp/$file.ext" \
    -out "$dir/$file.crt" 2>/dev/null || die "cannot sign the certificate of $name"
}

for role in dealer server client; do
  leaf "$role" "mpcvit-$role"
done
for name in ${extras[@]+"${extras[@]}"}; do
  leaf "$name" "$name"
done

for name in dealer server client ${extras[@]+"${extras[@]}"}; do
  openssl verify -CAfile "$dir/ca.crt" "$dir/$name.crt" >/dev/null ||
    die "$dir/$name.crt does not verify against $dir/ca.crt"
done
names="dealer, server, client"
for name in ${extras[@]+"${extras[@]}"}; do names="$names, $name"; done
echo "make-certs.sh: wrote a TEST CA and certificates for $names to $dir" \
  "(valid $days days)"
