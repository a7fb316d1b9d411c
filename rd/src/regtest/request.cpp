#include "meles/rd/regtest/request.hpp"

#include "meles/core/common/error.hpp"
#include "meles/core/common/strings.hpp"

#include <fstream>
#include <random>
#include <sstream>

namespace meles::rd::regtest {

namespace {

std::string read_file(const std::string& path, std::string_view what, const SourcePos& pos) {
	std::ifstream in(path, std::ios::binary);
	if (!in) throw Error(ErrorKind::NotFound, concat(what, " ", path, " cannot be read"), pos);
	std::ostringstream s;
	s << in.rdbuf();
	return s.str();
}

std::string urlencoded(const std::vector<std::pair<std::string, std::string>>& params) {
	std::string out;
	for (auto& [k, v] : params) {
		if (!out.empty()) out += '&';
		out += url_encode(k);
		out += '=';
		out += url_encode(v);
	}
	return out;
}

// multipart/form-data: the parameters, then the uploads as files.
std::pair<std::string, std::string> multipart(const std::vector<std::pair<std::string, std::string>>& params,
                                              const RegTestUrl& url) {
	std::vector<std::string> parts;
	for (auto& [k, v] : params)
		parts.push_back(concat("Content-Disposition: form-data; name=\"", k, "\"\r\n\r\n", v));
	for (auto& u : url.uploads) {
		std::string data = u.content ? *u.content : read_file(*u.source, "httpUpload source", u.pos);
		parts.push_back(concat("Content-Disposition: form-data; name=\"", u.name, "\"; filename=\"",
		                       u.file_name, "\"\r\nContent-Type: application/octet-stream\r\n\r\n", data));
	}
	// a boundary that occurs in no part
	std::mt19937_64 rng(std::random_device{}());
	std::string boundary;
	for (;;) {
		boundary = concat("meles-regtest-", std::to_string(rng()));
		bool clash = false;
		for (auto& p : parts)
			clash = clash || p.find(boundary) != std::string::npos;
		if (!clash) break;
	}
	std::string body;
	for (auto& p : parts)
		body += concat("--", boundary, "\r\n", p, "\r\n");
	body += concat("--", boundary, "--\r\n");
	return {body, concat("multipart/form-data; boundary=", boundary)};
}

} // namespace

std::vector<std::pair<std::string, std::string>> request_params(const RegTestUrl& url) {
	auto params = url.params;
	if (url.par_set == "form") {
		params.emplace_back("__nevow_form__", "genForm");
		params.emplace_back("submit", "Go");
		params.emplace_back("_charset_", "UTF-8");
	} else if (url.par_set == "TAP") {
		params.emplace_back("LANG", "ADQL");
		params.emplace_back("REQUEST", "doQuery");
	}
	return params;
}

HttpRequest build_request(const RegTestUrl& url, std::string_view server_url, std::string_view rd_id,
                          const std::optional<std::string>& base) {
	HttpRequest r;
	r.method = url.method;
	r.headers = url.headers;
	r.honor_redirects = url.honor_redirects;
	r.auth_key = url.auth_key;
	std::string server(server_url);
	while (!server.empty() && server.back() == '/')
		server.pop_back();
	std::string path = base ? *base : url.path;
	if (path.find("://") != std::string::npos)
		r.url = path;
	else if (path.starts_with("/"))
		r.url = server + path;
	else
		r.url = concat(server, "/", rd_id, "/", path);

	auto params = request_params(url);
	if (r.method != "POST") {
		if (!params.empty())
			r.url += concat(r.url.find('?') == std::string::npos ? "?" : "&", urlencoded(params));
		return r;
	}
	if (url.post_payload) {
		r.body = read_file(*url.post_payload, "postPayload", url.pos);
	} else if (!url.uploads.empty()) {
		auto [body, type] = multipart(params, url);
		r.body = std::move(body);
		r.headers.emplace_back("Content-Type", type);
		r.chunk_size = url.chunk_size;
	} else {
		r.body = urlencoded(params);
		r.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
	}
	return r;
}

} // namespace meles::rd::regtest
