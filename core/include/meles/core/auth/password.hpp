// meles/core/auth/password.hpp — password hashing (the only libsodium user is
// core/src/auth).  Passwords are stored as salted Argon2id hashes in libsodium's
// self-describing string form; verification is constant-time.
// Thread-safety: all functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace meles::auth {

// Argon2id with libsodium's "interactive" limits (64 MiB, 2 passes).
std::string hash_password(std::string_view password);
bool verify_password(std::string_view stored_hash, std::string_view password);
// The hash of a random password no one knows, made once per process with the same limits as
// hash_password: checking a guess against it costs what checking a real account costs.
const std::string& dummy_hash();
// A random password of `length` characters from an unambiguous alphabet.
std::string random_password(size_t length = 16);
// Keyed BLAKE2b digest of `data` under a per-process random key; used to remember
// recently verified credentials without keeping passwords in memory.
std::string keyed_digest(std::string_view data);

} // namespace meles::auth
