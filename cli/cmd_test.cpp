// meles test — runs an RD's regression tests (regSuite/regTest) against a running server
// (rd/regtest), reports like a test runner, exits 0 only when every test passed.
#include "commands.hpp"
#include "context.hpp"

#include "meles/core/common/strings.hpp"
#include "meles/rd/regtest/runner.hpp"
#include "meles/rd/store/rd_store.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace meles::cli {

const std::string_view test_usage =
    "usage: meles test [-k WORDS] [-t TAG] [-u URL] [-c N] [-T SECONDS] [-v] RD\n\n"
    "Runs the RD's regression tests (<regSuite>/<regTest>, as `dachs test` does): each test's\n"
    "<url> is fetched from the running server and its <code> runs with `self` giving the\n"
    "response (self.data, self.status, self.headers, getVOTableRows(), ...) and DaCHS's\n"
    "assertions (assertHasStrings, assertXpath, ...; docs/regression-tests.md).  One line per\n"
    "test, failures with the assertion's message and the RD line, then a summary.  Exit status\n"
    "0 only if every selected test passed (1 otherwise; an RD without tests: 0, saying so).\n\n"
    "  -k, --keywords WORDS   only tests whose title has all these words (case, punctuation ignored)\n"
    "  -t, --tag TAG          also run the tests tagged TAG (tagged tests are skipped otherwise)\n"
    "  -u, --url URL          root URL of the server to test (default: [web] serverURL)\n"
    "  -c, --concurrency N    tests run at once (default 4; a sequential suite runs in order)\n"
    "  -T, --timeout SECONDS  per request and per test's code (default 15)\n"
    "  -v, --verbose          show the URL and the start of the response of failed tests\n"
    "  --inputs DIR           directory RD ids are relative to (default: [general] inputsDir)\n"
    "  --userconfig FILE      the RD that % references go to (DaCHS's etc/userconfig.rd)\n\n"
    "httpAuthKey names a line \"KEY USER PASSWORD\" in $MELES_TEST_CREDS, else ~/.gavo/test.creds.\n";

namespace {

int positive(const std::string& option, const std::string& v, int max) {
	try {
		size_t used = 0;
		long n = std::stol(v, &used);
		if (used == v.size() && n >= 1 && n <= max) return static_cast<int>(n);
	} catch (...) {
	}
	throw Error(ErrorKind::Validation,
	            concat(option, " needs a number from 1 to ", std::to_string(max), ", not '", v, "'"));
}

std::string where(const SourcePos& pos) {
	std::string f =
	    pos.source.empty() ? std::string("<rd>") : std::filesystem::path(pos.source).filename().string();
	return pos.line > 0 ? concat(f, ":", std::to_string(pos.line)) : f;
}

std::string indent(std::string_view text, std::string_view prefix) {
	std::string out;
	for (auto& line : split(std::string(text), '\n'))
		out += concat(prefix, line, "\n");
	return out;
}

} // namespace

int cmd_test(const GlobalOptions& global, const std::vector<std::string>& argv) {
	ArgParser args("test", {"verbose"},
	               {"keywords", "tag", "url", "concurrency", "timeout", "inputs", "userconfig"});
	args.alias("k", "keywords");
	args.alias("t", "tag");
	args.alias("u", "url");
	args.alias("c", "concurrency");
	args.alias("n", "concurrency"); // DaCHS's name for it
	args.alias("T", "timeout");
	args.alias("v", "verbose");
	args.parse(argv);
	if (args.positionals().size() != 1)
		throw Error(ErrorKind::Validation,
		            "usage: meles test [-k WORDS] [-u URL] [-c N] [-v] RD (see --help)");
	Config config = load_config(global, false);
	init_cli_logging(global, config);

	rd::regtest::RunOptions o;
	o.server_url = args.value_or("url", config.server_url());
	if (!o.server_url.starts_with("http://") && !o.server_url.starts_with("https://"))
		throw Error(ErrorKind::Validation,
		            concat("--url needs an http:// or https:// URL, not '", o.server_url, "'"));
	while (o.server_url.ends_with("/"))
		o.server_url.pop_back();
	if (auto v = args.value("concurrency")) o.concurrency = positive("--concurrency", *v, 64);
	if (auto v = args.value("timeout")) o.timeout = std::chrono::seconds(positive("--timeout", *v, 86400));
	if (auto v = args.value("keywords"))
		for (auto& w : split(normalize_space(*v), ' '))
			if (!w.empty()) o.keywords.push_back(w);
	if (auto v = args.value("tag")) o.tags.insert(*v);
	if (const char* c = std::getenv("MELES_TEST_CREDS"))
		o.credentials_file = c;
	else if (const char* home = std::getenv("HOME"))
		o.credentials_file = concat(home, "/.gavo/test.creds");
	bool verbose = args.has("verbose");

	// each running test holds a Python thread while it waits for its response
	configure_python(config, o.concurrency);
	rd::RdStoreOptions store_options = rd::store_options(config);
	if (auto v = args.value("inputs")) store_options.inputs_dir = *v;
	if (auto v = args.value("userconfig")) store_options.userconfig_file = *v;
	rd::RdStore store(store_options);
	auto rd = store.get(args.positionals()[0]);

	size_t total = 0;
	for (auto& s : rd->reg_suites)
		total += s.tests.size();
	if (total == 0) {
		std::cout << rd->rd_id << ": no regression tests (no <regSuite> with <regTest>s)\n";
		return 0;
	}
	int n = rd::regtest::count_selected(*rd, o);
	if (n == 0) {
		std::cout << rd->rd_id << ": none of its " << total << " tests is selected (-k, -t)\n";
		return 1;
	}
	std::cout << "testing " << rd->rd_id << " (" << n << (n == 1 ? " test" : " tests") << ") against "
	          << o.server_url << "\n"
	          << std::flush;
	o.report = [verbose](const rd::regtest::TestResult& r) {
		using rd::regtest::Status;
		char secs[32];
		std::snprintf(secs, sizeof secs, "%6.2fs", r.seconds);
		const char* word = r.status == Status::Ok ? "ok   " : r.status == Status::Fail ? "FAIL " : "ERROR";
		std::string line = concat(word, " ", secs, "  ", r.title, "  (", where(r.pos), ")\n");
		if (r.status != Status::Ok) {
			std::string at =
			    r.where.line > 0 && !(r.where.line == r.pos.line && r.where.source == r.pos.source)
			        ? concat(where(r.where), ": ")
			        : "";
			line += indent(concat(at, r.message), "      ");
			if (verbose || r.status == Status::Error) {
				if (!r.url.empty())
					line += concat(
					    "      url: ", r.url,
					    r.http_status ? concat(" (HTTP ", std::to_string(*r.http_status), ")") : "", "\n");
			}
			if (verbose && !r.data_excerpt.empty()) line += indent(r.data_excerpt, "      | ");
		}
		std::cout << line << std::flush;
	};
	auto sum = rd::regtest::run(rd, o);
	char secs[32];
	std::snprintf(secs, sizeof secs, "%.2f", sum.seconds);
	std::cout << sum.selected << (sum.selected == 1 ? " test" : " tests") << ": " << sum.passed << " passed, "
	          << sum.failed << " failed, " << sum.errors << (sum.errors == 1 ? " error" : " errors") << " ("
	          << secs << " s)\n";
	return sum.all_passed() ? 0 : 1;
}

} // namespace meles::cli
