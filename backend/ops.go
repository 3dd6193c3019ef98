package backend

// UnaryOp names an element-wise op of one operand. The parameters a and b of
// Backend.Unary and UnaryBackward are used by the ops that say so.
type UnaryOp uint8

// The unary ops. Activation ops (ReLU ... Swish) also have a backward pass
// (UnaryBackward); the others are differentiated by composition in tensor.
const (
	Exp        UnaryOp = iota + 1
	Log                // natural logarithm
	Sqrt               // √x
	Rsqrt              // 1/√x
	Square             // x²
	Abs                // |x|
	Reciprocal         // 1/x
	Sign               // -1, 0 or 1
	Pow                // x^a
	Clip               // min(max(x, a), b)
	ClipMask           // 1 where a <= x <= b, else 0
	AddScalar          // x + a
	MulScalar          // x · a
	ReLU               // max(x, 0); backward reads y
	LeakyReLU          // x > 0 ? x : a·x; backward reads x
	Sigmoid            // 1/(1+e^-x); backward reads y
	Tanh               // backward reads y
	ELU                // x > 0 ? x : a·(e^x-1); backward reads x
	GELU               // exact (erf) GELU; backward reads x
	GELUTanh           // tanh-approximated GELU; backward reads x
	Softplus           // log(1+e^x); backward reads x
	Swish              // x·σ(x); backward reads x
	numUnary
)

var unaryNames = [...]string{"", "Exp", "Log", "Sqrt", "Rsqrt", "Square", "Abs", "Reciprocal", "Sign",
	"Pow", "Clip", "ClipMask", "AddScalar", "MulScalar", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "ELU",
	"GELU", "GELUTanh", "Softplus", "Swish"}

func (op UnaryOp) String() string {
	if op == 0 || op >= numUnary {
		return "UnaryOp(?)"
	}
	return unaryNames[op]
}

// HasBackward reports whether UnaryBackward supports op.
func (op UnaryOp) HasBackward() bool { return op >= ReLU && op < numUnary }

// BinaryOp names an element-wise op of two operands.
type BinaryOp uint8

// The binary ops. Comparisons give 1 where they hold and 0 elsewhere.
const (
	Add       BinaryOp = iota + 1
	Sub                // a - b
	Mul                // a · b
	Div                // a / b
	Max                // max(a, b), NaN-propagating
	Min                // min(a, b), NaN-propagating
	PowB               // a^b
	Step               // 1 where a > b, 0.5 where a == b, else 0 (the share of Maximum's gradient)
	Equal              // a == b
	NotEqual           // a != b
	Greater            // a > b
	GreaterEq          // a >= b
	Less               // a < b
	LessEq             // a <= b
	numBinary
)

var binaryNames = [...]string{"", "Add", "Sub", "Mul", "Div", "Max", "Min", "Pow", "Step",
	"Equal", "NotEqual", "Greater", "GreaterEq", "Less", "LessEq"}

func (op BinaryOp) String() string {
	if op == 0 || op >= numBinary {
		return "BinaryOp(?)"
	}
	return binaryNames[op]
}

// UpdateOp names an optimizer update rule for Backend.ApplyUpdate.
type UpdateOp uint8

// The update rules and the slots each uses (g is the gradient):
//
//	SGD       p -= LR·g
//	Momentum  s0 = Momentum·s0 - LR·g; p += s0 (Nesterov: p += Momentum·s0 - LR·g), as Keras
//	Adam      s0 (m), s1 (v): Adam with bias-corrected step LR and Eps outside the root
//	AMSGrad   s0 (m), s1 (v), s2 (v̂, the running max of v)
//	Adagrad   s0 (accumulator): s0 += g²; p -= LR·g/√(s0 + Eps)
//	RMSprop   s0 (v), s1 (momentum buffer; nil when Momentum is 0), s2 (mean
//	          gradient of the centered variant; nil otherwise), decay Rho
const (
	SGD UpdateOp = iota + 1
	Momentum
	Adam
	AMSGrad
	Adagrad
	RMSprop
	numUpdate
)

var updateNames = [...]string{"", "SGD", "Momentum", "Adam", "AMSGrad", "Adagrad", "RMSprop"}

func (op UpdateOp) String() string {
	if op == 0 || op >= numUpdate {
		return "UpdateOp(?)"
	}
	return updateNames[op]
}

// ReduceOp names a reduction over the middle axis of a [pre, n, post]
// layout (Backend.Reduce).
type ReduceOp uint8

// The reductions. Max and Min propagate NaN; ArgMax and ArgMin (Backend.Arg)
// give the first index on ties, and a NaN counts as the extreme.
const (
	Sum ReduceOp = iota + 1
	ReduceMax
	ReduceMin
	numReduce
)

var reduceNames = [...]string{"", "Sum", "Max", "Min"}

func (op ReduceOp) String() string {
	if op == 0 || op >= numReduce {
		return "ReduceOp(?)"
	}
	return reduceNames[op]
}
