#include "meles/core/common/time.hpp"

#include <cctype>
#include <ctime>

namespace meles {

std::string format_iso(TimePoint t, bool milliseconds) {
	auto secs = std::chrono::time_point_cast<std::chrono::seconds>(t);
	if (secs > t) secs -= std::chrono::seconds(1);
	std::time_t tt = std::chrono::system_clock::to_time_t(secs);
	std::tm tm{};
	gmtime_r(&tt, &tm);
	char buf[40];
	std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
	std::string out = buf;
	if (milliseconds) {
		auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t - secs).count();
		char m[8];
		std::snprintf(m, sizeof m, ".%03d", static_cast<int>(ms));
		out += m;
	}
	out += 'Z';
	return out;
}

std::string format_local(TimePoint t) {
	std::time_t tt = std::chrono::system_clock::to_time_t(t);
	std::tm tm{};
	localtime_r(&tt, &tm);
	char buf[64];
	std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &tm);
	return buf;
}

std::optional<TimePoint> parse_iso(std::string_view s) {
	size_t i = 0;
	auto num = [&](int digits, int& out) {
		if (i + static_cast<size_t>(digits) > s.size()) return false;
		out = 0;
		for (int k = 0; k < digits; ++k) {
			char c = s[i + static_cast<size_t>(k)];
			if (!std::isdigit(static_cast<unsigned char>(c))) return false;
			out = out * 10 + (c - '0');
		}
		i += static_cast<size_t>(digits);
		return true;
	};
	auto lit = [&](char c) {
		if (i < s.size() && s[i] == c) {
			++i;
			return true;
		}
		return false;
	};
	while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
		++i;
	int Y, M, D, h = 0, m = 0, sec = 0;
	double frac = 0;
	if (!num(4, Y) || !lit('-') || !num(2, M) || !lit('-') || !num(2, D)) return std::nullopt;
	if (i < s.size() && (s[i] == 'T' || s[i] == ' ')) {
		++i;
		if (!num(2, h) || !lit(':') || !num(2, m)) return std::nullopt;
		if (lit(':')) {
			if (!num(2, sec)) return std::nullopt;
			if (lit('.') || lit(',')) {
				double scale = 0.1;
				bool any = false;
				while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
					frac += (s[i] - '0') * scale;
					scale /= 10;
					++i;
					any = true;
				}
				if (!any) return std::nullopt;
			}
		}
	}
	int offset_min = 0;
	if (lit('Z') || lit('z')) {
	} else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		++i;
		int oh, om = 0;
		if (!num(2, oh)) return std::nullopt;
		lit(':');
		if (i < s.size()) num(2, om);
		offset_min = sign * (oh * 60 + om);
	}
	while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i])))
		++i;
	if (i != s.size()) return std::nullopt;
	if (M < 1 || M > 12 || D < 1 || D > 31 || h > 24 || m > 59 || sec > 60) return std::nullopt;
	std::tm tm{};
	tm.tm_year = Y - 1900;
	tm.tm_mon = M - 1;
	tm.tm_mday = D;
	tm.tm_hour = h;
	tm.tm_min = m;
	tm.tm_sec = sec;
	std::time_t tt = timegm(&tm);
	auto tp = std::chrono::system_clock::from_time_t(tt) - std::chrono::minutes(offset_min);
	return tp + std::chrono::duration_cast<std::chrono::system_clock::duration>(
	                std::chrono::duration<double>(frac));
}

} // namespace meles
