#include "auth/digest_auth.h"

#include <openssl/crypto.h>

#include "sip/message.h"

namespace tandem::auth {
namespace {

Failure<DigestError> malformed(std::string reason) {
  return fail(DigestError{DigestError::Kind::Malformed, std::move(reason)});
}
Failure<DigestError> unsupported(std::string reason) {
  return fail(DigestError{DigestError::Kind::Unsupported, std::move(reason)});
}

std::optional<uint32_t> parseNc(std::string_view text) {
  if (text.size() != 8) {
    return std::nullopt;
  }
  uint32_t value = 0;
  for (char c : text) {
    uint32_t digit = 0;
    if (c >= '0' && c <= '9') {
      digit = static_cast<uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      digit = static_cast<uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      digit = static_cast<uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = value << 4 | digit;
  }
  return value;
}

bool endsWithNoCase(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && sip::equalsIgnoreCase(text.substr(text.size() - suffix.size()), suffix);
}

}  // namespace

Result<DigestResponse, DigestError> parseDigestResponse(const sip::Credentials& credentials) {
  if (!credentials.isDigest()) {
    return unsupported("scheme " + std::string(credentials.scheme) + " not supported");
  }
  DigestResponse out;
  if (auto userhash = credentials.param("userhash"); userhash && sip::equalsIgnoreCase(*userhash, "true")) {
    return unsupported("userhash not supported");
  }
  // Presence first, in the order of RFC 7616 §3.4, so the reason names the
  // first missing one.
  struct Required {
    std::string_view name;
    std::string_view* field;
  };
  const Required required[] = {
      {"username", &out.username}, {"realm", &out.realm}, {"nonce", &out.nonce},   {"uri", &out.uri},
      {"response", &out.response}, {"qop", &out.qop},     {"cnonce", &out.cnonce}, {"nc", &out.nc_text},
  };
  for (const Required& param : required) {
    const auto value = credentials.param(param.name);
    if (!value) {
      if (param.name == "username" && credentials.param("username*")) {
        return unsupported("username* not supported");
      }
      if (param.name == "qop") {
        return unsupported("credentials without qop not supported (no nonce-count, no replay protection)");
      }
      return malformed("missing " + std::string(param.name));
    }
    *param.field = *value;
  }
  if (!sip::equalsIgnoreCase(out.qop, "auth")) {
    return unsupported("qop " + std::string(out.qop) + " not supported");
  }
  if (out.username.empty()) {
    return malformed("empty username");
  }
  const auto nc = parseNc(out.nc_text);
  if (!nc) {
    return malformed("nc is not 8 hex digits");
  }
  out.nc = *nc;
  if (const auto algorithm = credentials.algorithm()) {
    if (sip::equalsIgnoreCase(*algorithm, "MD5")) {
      out.algorithm = store::DigestAlgorithm::Md5;
    } else if (sip::equalsIgnoreCase(*algorithm, "SHA-256")) {
      out.algorithm = store::DigestAlgorithm::Sha256;
    } else if (endsWithNoCase(*algorithm, "-sess")) {
      return unsupported("algorithm " + std::string(*algorithm) + " not supported (no -sess variants)");
    } else {
      return unsupported("algorithm " + std::string(*algorithm) + " not supported");
    }
  }
  return out;
}

std::string_view algorithmName(store::DigestAlgorithm algorithm) {
  return algorithm == store::DigestAlgorithm::Md5 ? "MD5" : "SHA-256";
}

std::string_view storedHa1(const store::UserRecord& user, store::DigestAlgorithm algorithm) {
  return algorithm == store::DigestAlgorithm::Md5 ? user.ha1_md5 : user.ha1_sha256;
}

std::string expectedResponse(const DigestResponse& digest, std::string_view ha1_hex, std::string_view method) {
  std::string a2;
  a2.reserve(method.size() + 1 + digest.uri.size());
  a2.append(method).append(":").append(digest.uri);
  const std::string ha2 = store::digestHex(digest.algorithm, a2);

  std::string data;
  data.reserve(ha1_hex.size() + digest.nonce.size() + digest.cnonce.size() + ha2.size() + 24);
  data.append(ha1_hex).append(":").append(digest.nonce).append(":").append(digest.nc_text).append(":");
  data.append(digest.cnonce).append(":").append(digest.qop).append(":").append(ha2);
  return store::digestHex(digest.algorithm, data);
}

bool responseMatches(const DigestResponse& digest, std::string_view method, const store::UserRecord& user) {
  // HA1 binds username and realm, but a record looked up under other names
  // must not answer for these.
  const std::string_view ha1_hex = storedHa1(user, digest.algorithm);
  if (ha1_hex.empty() || digest.username != user.user || !sip::equalsIgnoreCase(digest.realm, user.domain)) {
    return false;
  }
  const std::string expected = expectedResponse(digest, ha1_hex, method);
  if (expected.empty() || digest.response.size() != expected.size()) {
    return false;  // the length of a hex digest is public
  }
  std::string received(digest.response);
  for (char& c : received) {
    if (c >= 'A' && c <= 'F') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return CRYPTO_memcmp(received.data(), expected.data(), expected.size()) == 0;
}

DigestCheck verifyDigest(const sip::Credentials& credentials, std::string_view method, const store::UserRecord& user) {
  auto digest = parseDigestResponse(credentials);
  if (!digest) {
    return {digest.error().kind == DigestError::Kind::Malformed ? DigestVerdict::Malformed : DigestVerdict::Unsupported,
            digest.error().reason};
  }
  return {responseMatches(*digest, method, user) ? DigestVerdict::Match : DigestVerdict::Mismatch, {}};
}

}  // namespace tandem::auth
