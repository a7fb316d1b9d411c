#include "meles/core/common/error.hpp"
#include "meles/core/config/config.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace meles;
namespace fs = std::filesystem;

namespace {
fs::path write_conf(const std::string& text) {
	fs::path dir = fs::temp_directory_path() / ("meles_conf_test_" + std::to_string(getpid()));
	fs::create_directories(dir);
	fs::path f = dir / "meles.conf";
	std::ofstream(f) << text;
	return f;
}
} // namespace

TEST_CASE("config: defaults and placeholders") {
	Config c = Config::defaults("/srv/meles");
	CHECK(c.get("web", "bindAddress") == "127.0.0.1");
	CHECK(c.get_int("web", "serverPort") == 8080);
	CHECK(c.server_url() == "http://127.0.0.1:8080");
	CHECK(c.inputs_dir() == fs::path("/srv/meles/inputs"));
	CHECK(c.get_int("async", "defaultMAXREC") == 20000);
	CHECK(c.get_int("web", "maxBodySize") == 64 * 1024 * 1024);
}

TEST_CASE("config: file values, case-insensitive keys, continuation") {
	auto f = write_conf(
	    "# comment\n[web]\nserverport = 9000\nBindAddress=0.0.0.0\n[ivoa]\nauthority = org.example\n"
	    "[db]\ndsn = host=/tmp\n  dbname=x\n");
	Config c = Config::load(f);
	CHECK(c.get_int("web", "serverPort") == 9000);
	CHECK(c.server_url() == "http://0.0.0.0:9000");
	CHECK(c.get("ivoa", "authority") == "org.example");
	CHECK(c.get("db", "dsn") == "host=/tmp dbname=x");
	CHECK(c.state_dir() == f.parent_path());
}

TEST_CASE("config: errors name file, line and key") {
	auto check_error = [](const std::string& text, const std::string& expect) {
		auto f = write_conf(text);
		try {
			Config::load(f);
			FAIL("no error for: " << text);
		} catch (const Error& e) {
			INFO(e.what());
			CHECK(std::string(e.what()).find(expect) != std::string::npos);
			CHECK(std::string(e.what()).find("meles.conf:") != std::string::npos);
		}
	};
	check_error("[web]\nserverPrt = 80\n", "unknown key 'serverPrt' in [web] (did you mean 'serverPort'?)");
	check_error("[web]\nserverPort = eighty\n", ":2: [web] serverPort: 'eighty' is not an integer");
	check_error("[web]\nserverPort = 70000\n", "out of range");
	check_error("[wbe]\n", "unknown section [wbe]");
	check_error("[web]\njust a line\n", "expected 'key = value'");
	check_error("[general]\nlogLevel = loud\n", "not one of");
	check_error("[async]\ndefaultExecTime = 5 fortnights\n", "unknown duration unit");
}

TEST_CASE("config: sizes and durations") {
	CHECK(parse_size("20M") == 20 * 1024 * 1024);
	CHECK(parse_size("2 GB") == 2LL * 1024 * 1024 * 1024);
	CHECK(parse_size("512") == 512);
	CHECK(parse_duration("5m") == 300);
	CHECK(parse_duration("7d") == 7 * 86400);
	CHECK_THROWS_AS(parse_size("lots"), Error);
}

TEST_CASE("config: documentation lists every key") {
	std::string doc = Config::documentation();
	for (auto& k : config_keys())
		CHECK(doc.find(std::string(k.key)) != std::string::npos);
}
