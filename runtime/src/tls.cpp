//===- tls.cpp - Mutual TLS 1.3 with role certificates (OpenSSL) ----------===//
#include "mpcvit/runtime/tls.h"

#include <csignal>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

namespace mpcvit::rt {

std::string tlsErrorString(const std::string &detail) {
  std::string s = detail;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    s += (s.empty() ? "" : "; ") + std::string(buf);
  }
  return s.empty() ? "unknown TLS error" : s;
}

std::string roleCertName(const std::string &role) { return "mpcvit-" + role; }

std::string certCommonName(X509 *cert) {
  char buf[256] = {0};
  X509_NAME *n = X509_get_subject_name(cert);
  if (!n || X509_NAME_get_text_by_NID(n, NID_commonName, buf, sizeof(buf)) < 0)
    return "";
  return buf;
}

TlsContext::TlsContext(const TlsFiles &f) {
  std::signal(SIGPIPE, SIG_IGN);
  for (const auto &[what, path] : {std::pair{"--tls-cert", f.cert},
                                   {"--tls-key", f.key},
                                   {"--tls-ca", f.ca}})
    if (path.empty())
      throw TlsError(std::string("TLS needs ") + what +
                     " (or run with --insecure on a trusted network)");
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_method());
  if (!ctx_)
    throw TlsError(tlsErrorString("SSL_CTX_new failed"));
  try {
    if (!SSL_CTX_set_min_proto_version(ctx_, TLS1_3_VERSION) ||
        !SSL_CTX_set_max_proto_version(ctx_, TLS1_3_VERSION))
      throw TlsError(tlsErrorString("cannot restrict to TLS 1.3"));
    if (SSL_CTX_use_certificate_chain_file(ctx_, f.cert.c_str()) != 1)
      throw TlsError(tlsErrorString(f.cert + ": cannot load the certificate"));
    if (SSL_CTX_use_PrivateKey_file(ctx_, f.key.c_str(), SSL_FILETYPE_PEM) != 1)
      throw TlsError(tlsErrorString(f.key + ": cannot load the private key"));
    if (SSL_CTX_check_private_key(ctx_) != 1)
      throw TlsError(tlsErrorString(f.key + ": key does not match " + f.cert));
    if (SSL_CTX_load_verify_locations(ctx_, f.ca.c_str(), nullptr) != 1)
      throw TlsError(tlsErrorString(f.ca + ": cannot load the CA"));
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                       nullptr);
    SSL_CTX_set_verify_depth(ctx_, 4);
    SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE |
                               SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    // Read whole records (and what follows) per recv(): a round of small
    // messages otherwise costs two system calls per record.
    SSL_CTX_set_read_ahead(ctx_, 1);
    // AES-128-GCM first (AES-NI; ~1/3 less work per byte than AES-256).
    if (SSL_CTX_set_ciphersuites(ctx_, "TLS_AES_128_GCM_SHA256:"
                                       "TLS_AES_256_GCM_SHA384:"
                                       "TLS_CHACHA20_POLY1305_SHA256") != 1)
      throw TlsError(tlsErrorString("cannot set the TLS 1.3 cipher suites"));
    // No session tickets: every connection is a full, mutually
    // authenticated handshake.
    SSL_CTX_set_num_tickets(ctx_, 0);
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_OFF);
  } catch (...) {
    SSL_CTX_free(ctx_);
    ctx_ = nullptr;
    throw;
  }
}

TlsContext::~TlsContext() { SSL_CTX_free(ctx_); }

} // namespace mpcvit::rt
