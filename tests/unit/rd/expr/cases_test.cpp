// Data-driven expression cases from tests/rd/expr/*.test.
//
// Format (one case per block, blocks separated by blank lines):
//   > EXPRESSION              more '>' lines continue it (joined with newlines)
//   @name = LITERAL           a raw field value, written as a Python literal
//   = REPR                    expected repr() of the result
//   ~ NUMBER                  expected float, relative tolerance 1e-12
//   ! ExcClass[: message]     expected Python exception (and its exact message)
//   !! Failure LINE:COL [text] expected compile failure (Syntax/Unsupported/UnknownName),
//                             its position in the expression and a message substring
//   plan: PLAN                expected Expression::plan() (checks the fast paths)
//   str: TEXT                 expected str() of the result
#include "meles/rd/expr/expression.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace meles::rd::expr;

namespace {

struct Case {
	std::string file;
	int line = 0;
	std::string expr;
	std::vector<std::pair<std::string, std::string>> vars;
	std::vector<std::pair<std::string, std::string>> expects; // (kind, text)
};

std::vector<Case> read_cases(const std::string& path) {
	std::ifstream in(path);
	REQUIRE_MESSAGE(in.good(), "cannot read " << path);
	std::vector<Case> out;
	Case cur;
	bool open = false;
	std::string line;
	int n = 0;
	auto close = [&]() {
		if (open) out.push_back(cur);
		cur = Case{};
		open = false;
	};
	while (std::getline(in, line)) {
		++n;
		if (line.empty()) {
			close();
			continue;
		}
		if (line[0] == '#') continue;
		if (line.rfind("> ", 0) == 0 || line == ">") {
			if (open && !cur.expects.empty()) close();
			if (!open) {
				cur.file = std::filesystem::path(path).filename().string();
				cur.line = n;
				open = true;
			} else {
				cur.expr += "\n";
			}
			cur.expr += line.size() > 2 ? line.substr(2) : "";
		} else if (line[0] == '@') {
			auto eq = line.find('=');
			REQUIRE_MESSAGE(eq != std::string::npos, path << ":" << n << ": bad variable line");
			auto trim = [](std::string s) {
				s.erase(0, s.find_first_not_of(' '));
				s.erase(s.find_last_not_of(' ') + 1);
				return s;
			};
			cur.vars.emplace_back(trim(line.substr(1, eq - 1)), trim(line.substr(eq + 1)));
		} else if (line.rfind("!! ", 0) == 0) {
			cur.expects.emplace_back("!!", line.substr(3));
		} else if (line.rfind("! ", 0) == 0) {
			cur.expects.emplace_back("!", line.substr(2));
		} else if (line.rfind("= ", 0) == 0) {
			cur.expects.emplace_back("=", line.substr(2));
		} else if (line.rfind("~ ", 0) == 0) {
			cur.expects.emplace_back("~", line.substr(2));
		} else if (line.rfind("plan: ", 0) == 0) {
			cur.expects.emplace_back("plan", line.substr(6));
		} else if (line.rfind("str: ", 0) == 0) {
			cur.expects.emplace_back("str", line.substr(5));
		} else {
			FAIL(path << ":" << n << ": unrecognised line: " << line);
		}
	}
	close();
	return out;
}

Value literal(const std::string& text) {
	Scope none(false);
	Expression e = Expression::compile(text, none);
	REQUIRE_MESSAGE(e.constant().has_value(), "variable literal is not a constant: " << text);
	return e.constant()->to_owned();
}

std::string failure_name(CompileFailure f) {
	switch (f) {
	case CompileFailure::Syntax:
		return "Syntax";
	case CompileFailure::Unsupported:
		return "Unsupported";
	case CompileFailure::UnknownName:
		return "UnknownName";
	}
	return "?";
}

// Returns an empty string on success, else what went wrong.
std::string run_case(const Case& c) {
	Scope scope;
	std::vector<Value> values;
	std::vector<std::pair<int, Value>> inputs;
	for (const auto& [name, lit] : c.vars)
		inputs.emplace_back(scope.add_field(name), literal(lit));
	Expression::Outcome o = Expression::try_compile(c.expr, scope);
	std::ostringstream err;
	for (const auto& [kind, text] : c.expects) {
		if (kind == "!!") {
			if (o) return "compiled, expected compile failure " + text;
			std::istringstream is(text);
			std::string fk, pos, rest;
			is >> fk >> pos;
			std::getline(is, rest);
			rest.erase(0, rest.find_first_not_of(' '));
			std::string got_pos = std::to_string(o.error->line) + ":" + std::to_string(o.error->column);
			if (failure_name(o.error->failure) != fk || got_pos != pos ||
			    o.error->message.find(rest) == std::string::npos)
				return "compile failure " + failure_name(o.error->failure) + " " + got_pos + " " +
				       o.error->message + "; expected " + text;
		}
	}
	if (!o) {
		bool expected = false;
		for (const auto& e : c.expects)
			expected = expected || e.first == "!!";
		if (!expected)
			return "compile failure: " + o.error->message + " (line " + std::to_string(o.error->line) +
			       ", column " + std::to_string(o.error->column) + ")";
		return "";
	}
	values.assign(static_cast<std::size_t>(scope.size()), Value::missing());
	for (auto& [slot, v] : inputs)
		values[static_cast<std::size_t>(slot)] = v;
	Value result;
	std::optional<ExprError> error;
	try {
		result = o.expression->evaluate(values);
	} catch (const ExprError& e) {
		error = e;
	}
	for (const auto& [kind, text] : c.expects) {
		if (kind == "plan") {
			if (o.expression->plan() != text) return "plan " + o.expression->plan() + ", expected " + text;
		} else if (kind == "!") {
			if (!error) return "result " + result.repr() + ", expected exception " + text;
			std::string got = std::string(error->exc_name());
			if (text.find(':') != std::string::npos) got += ": " + error->detail();
			if (got != text) return "exception " + got + ", expected " + text;
		} else if (error) {
			return std::string("exception ") + std::string(error->exc_name()) + ": " + error->detail() +
			       ", expected " + kind + " " + text;
		} else if (kind == "=") {
			if (result.repr() != text) return "result " + result.repr() + ", expected " + text;
		} else if (kind == "str") {
			if (result.str_text() != text) return "str " + result.str_text() + ", expected " + text;
		} else if (kind == "~") {
			double want = std::stod(text);
			if (result.kind() != Kind::Float) return "result " + result.repr() + ", expected float " + text;
			double got = result.as_float();
			if (!(std::fabs(got - want) <= 1e-12 * std::max(1.0, std::fabs(want))))
				return "result " + result.repr() + ", expected ~" + text;
		}
	}
	return "";
}

void run_file(const std::string& name) {
	std::string path = std::string(MELES_SOURCE_DIR) + "/tests/rd/expr/" + name;
	auto cases = read_cases(path);
	CHECK(!cases.empty());
	int failures = 0;
	for (const auto& c : cases) {
		std::string why;
		try {
			why = run_case(c);
		} catch (const std::exception& e) {
			why = std::string("unexpected C++ exception: ") + e.what();
		}
		if (!why.empty()) {
			++failures;
			FAIL_CHECK(c.file << ":" << c.line << ": `" << c.expr << "`: " << why);
		}
	}
	MESSAGE(name << ": " << cases.size() << " cases, " << failures << " failed");
}

} // namespace

TEST_CASE("expression cases: python.test (expected values from CPython)") {
	run_file("python.test");
}
TEST_CASE("expression cases: helpers.test (DaCHS rowmaker helpers)") {
	run_file("helpers.test");
}
TEST_CASE("expression cases: compile.test (subset limits and positions)") {
	run_file("compile.test");
}
TEST_CASE("expression cases: semantics.test (Meles-specific behaviour)") {
	run_file("semantics.test");
}

TEST_CASE("every expression case file is run") {
	std::set<std::string> known = {"python.test", "helpers.test", "compile.test", "semantics.test",
	                               "copy.test"};
	for (const auto& e :
	     std::filesystem::directory_iterator(std::string(MELES_SOURCE_DIR) + "/tests/rd/expr"))
		if (e.path().extension() == ".test")
			CHECK_MESSAGE(known.count(e.path().filename().string()), e.path());
}
