#include "meles/core/auth/password.hpp"

#include <doctest/doctest.h>

using namespace meles::auth;

TEST_CASE("auth: argon2id hashes are salted and verify") {
	auto h1 = hash_password("s3cret pass");
	auto h2 = hash_password("s3cret pass");
	CHECK(h1.rfind("$argon2id$", 0) == 0);
	CHECK(h1 != h2); // salted
	CHECK(h1.find("s3cret") == std::string::npos);
	CHECK(verify_password(h1, "s3cret pass"));
	CHECK_FALSE(verify_password(h1, "s3cret pas"));
	CHECK_FALSE(verify_password("garbage", "x"));
	CHECK(random_password().size() == 16);
	CHECK(random_password() != random_password());
	CHECK(keyed_digest("a") == keyed_digest("a"));
	CHECK(keyed_digest("a") != keyed_digest("b"));
}

TEST_CASE("auth: the dummy hash costs what a real one costs and matches nothing") {
	const std::string& d = dummy_hash();
	CHECK(&d == &dummy_hash()); // made once
	auto real = hash_password("x");
	// Same algorithm and limits: "$argon2id$v=19$m=65536,t=2,p=1$"
	CHECK(d.substr(0, 31) == real.substr(0, 31));
	CHECK_FALSE(verify_password(d, ""));
	CHECK_FALSE(verify_password(d, "x"));
}
