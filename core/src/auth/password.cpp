#include "meles/core/auth/password.hpp"

#include "meles/core/common/error.hpp"

#include <sodium.h>

#include <mutex>

namespace meles::auth {

namespace {

void ensure_init() {
	static std::once_flag once;
	std::call_once(once, [] {
		if (sodium_init() < 0) throw Error(ErrorKind::Internal, "libsodium could not be initialised");
	});
}

const unsigned char* process_key() {
	static unsigned char key[crypto_generichash_KEYBYTES];
	static std::once_flag once;
	std::call_once(once, [] {
		ensure_init();
		randombytes_buf(key, sizeof key);
	});
	return key;
}

} // namespace

std::string hash_password(std::string_view password) {
	ensure_init();
	if (password.empty()) throw Error(ErrorKind::Validation, "a password must not be empty");
	char out[crypto_pwhash_STRBYTES];
	if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
	                      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
		throw Error(ErrorKind::Internal, "out of memory while hashing a password");
	return out;
}

bool verify_password(std::string_view stored_hash, std::string_view password) {
	ensure_init();
	std::string h(stored_hash);
	return crypto_pwhash_str_verify(h.c_str(), password.data(), password.size()) == 0;
}

const std::string& dummy_hash() {
	static const std::string h = hash_password(random_password(32));
	return h;
}

std::string random_password(size_t length) {
	ensure_init();
	static const char alphabet[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	std::string out;
	for (size_t i = 0; i < length; ++i)
		out += alphabet[randombytes_uniform(sizeof alphabet - 1)];
	return out;
}

std::string keyed_digest(std::string_view data) {
	unsigned char out[32];
	crypto_generichash(out, sizeof out, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
	                   process_key(), crypto_generichash_KEYBYTES);
	return std::string(reinterpret_cast<char*>(out), sizeof out);
}

} // namespace meles::auth
