#include "meles/core/common/error.hpp"

namespace meles {

std::string_view error_kind_name(ErrorKind kind) {
	switch (kind) {
	case ErrorKind::Syntax:
		return "syntax error";
	case ErrorKind::Name:
		return "name error";
	case ErrorKind::Type:
		return "type error";
	case ErrorKind::Validation:
		return "validation error";
	case ErrorKind::NotFound:
		return "not found";
	case ErrorKind::Permission:
		return "permission denied";
	case ErrorKind::Database:
		return "database error";
	case ErrorKind::Io:
		return "I/O error";
	case ErrorKind::Limit:
		return "limit exceeded";
	case ErrorKind::Timeout:
		return "time limit exceeded";
	case ErrorKind::Unavailable:
		return "temporarily unavailable";
	case ErrorKind::Internal:
		return "internal error";
	}
	return "error";
}

std::string SourcePos::to_string() const {
	std::string out = source;
	if (line > 0) {
		if (!out.empty() && column == 0) {
			out += ":" + std::to_string(line);
		} else {
			if (!out.empty()) out += ", ";
			out += "line " + std::to_string(line);
			if (column > 0) out += ", column " + std::to_string(column);
		}
	}
	return out;
}

static std::string join_pos(const std::optional<SourcePos>& pos, const std::string& msg) {
	if (!pos) return msg;
	std::string p = pos->to_string();
	if (p.empty()) return msg;
	return p + ": " + msg;
}

Error::Error(ErrorKind kind, std::string message)
    : std::runtime_error(message), kind_(kind), message_(std::move(message)), full_(message_) {}

Error::Error(ErrorKind kind, std::string message, SourcePos pos)
    : std::runtime_error(join_pos(pos, message)), kind_(kind), message_(std::move(message)),
      pos_(std::move(pos)), full_(join_pos(pos_, message_)) {}

} // namespace meles
