// rd/src/expr/nodes.hpp — the executable form of a compiled expression.
//
// A tree of small node objects, one virtual call per node; names are already slots or
// function pointers, constants are immortal Values.  Common shapes (float(@x),
// float(@x)*k, parseWithNull(@x, float, "")) have their own nodes.
// Thread-safety: immutable after construction; eval() may run concurrently, each caller
// with its own Frame.
#pragma once

#include "expr/runtime.hpp"

#include <memory>
#include <string>
#include <vector>

namespace meles::rd::expr::detail {

struct Frame {
	const Value* slots;
	Value* locals;
};

class Node {
public:
	explicit Node(int pos) : pos_(pos) {}
	virtual ~Node() = default;
	virtual Value eval(Frame& f) const = 0;
	virtual bool test(Frame& f) const { return eval(f).truthy(); }
	// Compact description of what runs, for tests and diagnostics.
	virtual std::string plan() const = 0;
	// True when evaluating has no effect besides the result and depends on no input.
	virtual bool is_const() const { return false; }
	int pos() const { return pos_; }

protected:
	int pos_;
};

using NodePtr = std::unique_ptr<Node>;

} // namespace meles::rd::expr::detail
