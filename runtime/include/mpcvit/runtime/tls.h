//===- tls.h - Mutual TLS 1.3 with role certificates (OpenSSL) -*- C++ -*-===//
//
// Layer 1 of the runtime (DESIGN.md §5, PROTOCOLS.md "Security invariants"):
// every link between the dealer, the server and the client is mutual TLS 1.3.
// A TlsContext holds this endpoint's certificate chain and key and the CA
// that every peer's certificate must chain to; Channel::secure() (transport.h)
// runs the handshake on a connected socket and then checks that the peer's
// certificate *names the role* the link expects: the certificate's
// subjectAltName DNS entry (or, without SANs, its subject CN) must be
// `mpcvit-dealer`, `mpcvit-server` or `mpcvit-client` (roleCertName()). A
// client certificate therefore can never act as the dealer or the server,
// whatever role its hello claims.
//
// What TLS protects: confidentiality and integrity of every share, seed,
// correction and masked weight on the wire (AES-GCM / ChaCha20-Poly1305 under
// TLS 1.3), and the identity of each role. What it does not: a dealer that
// colludes with a party (inherent to dealer-assisted 2PC), traffic analysis
// (message sizes and timing reveal the program's shape, which is public).
//
// scripts/make-certs.sh writes a test CA and the three role certificates.
//
//===----------------------------------------------------------------------===//
#ifndef MPCVIT_RUNTIME_TLS_H
#define MPCVIT_RUNTIME_TLS_H

#include <memory>
#include <stdexcept>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;
typedef struct ssl_st SSL;
typedef struct x509_st X509;

namespace mpcvit::rt {

/// A TLS configuration error (unreadable file, key not matching the
/// certificate, CA file without certificates). The message names the file.
struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Paths of this endpoint's TLS material (PEM).
struct TlsFiles {
  std::string cert; ///< this role's certificate (chain), e.g. server.crt
  std::string key;  ///< its private key, e.g. server.key
  std::string ca;   ///< CA certificate(s) every peer must chain to
};

/// One endpoint's TLS 1.3 configuration, shared by all its connections (both
/// accepting and connecting). Thread-safe after construction.
class TlsContext {
public:
  /// Loads and checks the files (TLS 1.3 only, peer certificate required
  /// and verified against `files.ca`). Throws TlsError naming the file.
  /// Also ignores SIGPIPE process-wide (a peer that dies mid-record must
  /// give an error, not kill the process).
  explicit TlsContext(const TlsFiles &files);
  ~TlsContext();
  TlsContext(const TlsContext &) = delete;
  TlsContext &operator=(const TlsContext &) = delete;

  SSL_CTX *native() const { return ctx_; }

private:
  SSL_CTX *ctx_ = nullptr;
};

/// "mpcvit-dealer", "mpcvit-server", "mpcvit-client" for role names
/// "dealer", "server", "client".
std::string roleCertName(const std::string &role);

/// The subject CN of a certificate ("" when it has none), for messages.
std::string certCommonName(X509 *cert);

/// The OpenSSL error queue (and `detail`) as one line, queue cleared.
std::string tlsErrorString(const std::string &detail = "");

} // namespace mpcvit::rt

#endif // MPCVIT_RUNTIME_TLS_H
