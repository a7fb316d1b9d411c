#include "meles/rd/parse/diagnostics.hpp"

namespace meles::rd {

std::string Diagnostic::to_string() const {
	// file:line:column (compilers' convention) rather than SourcePos's prose form.
	std::string p = pos.source;
	if (pos.line > 0) p += (p.empty() ? "line " : ":") + std::to_string(pos.line);
	if (pos.line > 0 && pos.column > 0) p += ":" + std::to_string(pos.column);
	std::string out;
	if (!p.empty()) out = p + ": ";
	if (severity == Severity::Warning) out += "warning: ";
	return out + message;
}

void Diagnostics::add(Diagnostic d) {
	if (d.severity == Severity::Error) ++errors_;
	items_.push_back(std::move(d));
}

void Diagnostics::error(ErrorKind kind, std::string message, SourcePos pos) {
	add({Severity::Error, kind, std::move(message), std::move(pos)});
}

void Diagnostics::warning(std::string message, SourcePos pos) {
	add({Severity::Warning, ErrorKind::Validation, std::move(message), std::move(pos)});
}

void Diagnostics::add(const Error& e, const SourcePos& fallback) {
	error(e.kind(), e.message(), e.pos() ? *e.pos() : fallback);
}

void Diagnostics::append(const Diagnostics& other) {
	for (auto& d : other.items_)
		add(d);
}

void Diagnostics::throw_if_errors() const {
	for (auto& d : items_) {
		if (d.severity != Severity::Error) continue;
		std::string msg = d.message;
		if (errors_ > 1)
			msg += concat(" (and ", std::to_string(errors_ - 1), " more problems; run meles val)");
		throw Error(d.kind, msg, d.pos);
	}
}

} // namespace meles::rd
