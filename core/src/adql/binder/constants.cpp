#include "adql/binder/constants.hpp"

#include "adql/functions/function_table.hpp"

#include <charconv>
#include <cmath>

namespace meles::adql {

std::optional<double> constant_number(const Expr& e) {
	switch (e.kind) {
	case ExprKind::Literal: {
		const auto& lit = as<LiteralExpr>(e);
		if (!lit.is_number()) return std::nullopt;
		if (lit.lit == LiteralKind::Hex) {
			uint64_t v = 0;
			auto t = lit.text.substr(2);
			auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v, 16);
			if (ec != std::errc()) return std::nullopt;
			return static_cast<double>(v);
		}
		double v = 0;
		auto [p, ec] = std::from_chars(lit.text.data(), lit.text.data() + lit.text.size(), v);
		if (ec != std::errc() || !std::isfinite(v)) return std::nullopt;
		return v;
	}
	case ExprKind::Unary: {
		const auto& u = as<UnaryExpr>(e);
		if (u.op == UnaryOp::BitNot) return std::nullopt;
		auto v = constant_number(*u.operand);
		if (!v) return std::nullopt;
		return u.op == UnaryOp::Minus ? -*v : *v;
	}
	case ExprKind::Binary: {
		const auto& b = as<BinaryExpr>(e);
		auto l = constant_number(*b.left);
		if (!l) return std::nullopt;
		auto r = constant_number(*b.right);
		if (!r) return std::nullopt;
		double v;
		switch (b.op) {
		case BinaryOp::Add:
			v = *l + *r;
			break;
		case BinaryOp::Sub:
			v = *l - *r;
			break;
		case BinaryOp::Mul:
			v = *l * *r;
			break;
		case BinaryOp::Div:
			if (*r == 0) return std::nullopt;
			// integer division in SQL: do not guess
			if (b.left->info.type.is_integer() && b.right->info.type.is_integer()) return std::nullopt;
			v = *l / *r;
			break;
		default:
			return std::nullopt;
		}
		if (!std::isfinite(v)) return std::nullopt;
		return v;
	}
	default:
		return std::nullopt;
	}
}

bool constant_vertices(const FunctionExpr& shape, std::vector<double>& lonlat) {
	lonlat.clear();
	if (shape.form != GeometryForm::Numbers) return false;
	if (shape.def->id == FunctionId::Polygon) {
		for (const auto& a : shape.args) {
			auto v = constant_number(*a);
			if (!v) return false;
			lonlat.push_back(*v);
		}
		return true;
	}
	if (shape.def->id == FunctionId::Box && shape.constants.size() == 8) {
		lonlat = shape.constants; // the binder's corners, in ICRS
		return true;
	}
	return false;
}

} // namespace meles::adql
