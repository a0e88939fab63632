using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Checking;

/// <summary>
/// One gradient check's function, its inputs' values and which inputs are checked; computes the
/// three Jacobians (numerical, backward, forward) as [output][input] -> [output element, input element].
/// </summary>
internal sealed class CheckedFunction
{
    private readonly Func<Var[], Var[]> _f;
    private readonly Session _session;
    private readonly Tensor[] _values;
    private readonly bool[] _checked;
    private readonly int[][] _outputShapes;

    private CheckedFunction(Func<Var[], Var[]> f, Session session, Tensor[] values, bool[] isChecked, int[][] outputShapes, GradCheckOptions options)
    {
        _f = f;
        _session = session;
        _values = values;
        _checked = isChecked;
        _outputShapes = outputShapes;
        Options = options;
    }

    public GradCheckOptions Options { get; }

    /// <summary>Jacobian entries compared per mode.</summary>
    public int EntryCount => _outputShapes.Sum(s => Shapes.ElementCount(s)) * _values.Where((_, i) => _checked[i]).Sum(v => v.Length);

    public static CheckedFunction Create(Func<Var[], Var[]> f, IReadOnlyList<Var> inputs, GradCheckOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("GradCheck: no inputs.", nameof(inputs));
        if (!(options.Eps > 0) || options.Atol < 0 || options.Rtol < 0)
            throw new ArgumentOutOfRangeException(nameof(options), $"GradCheck: eps must be positive and the tolerances not negative (eps {options.Eps}, atol {options.Atol}, rtol {options.Rtol}).");
        var session = inputs[0]?.Session ?? throw new ArgumentNullException(nameof(inputs), "GradCheck: input 0 is null.");
        for (var i = 0; i < inputs.Count; i++)
        {
            if (inputs[i] is null) throw new ArgumentNullException(nameof(inputs), $"GradCheck: input {i} is null.");
            if (!ReferenceEquals(inputs[i].Session, session)) throw new ArgumentException($"GradCheck: input {i} belongs to another session than input 0.", nameof(inputs));
        }
        var isChecked = inputs.Select(x => x.RequiresGradient).ToArray();
        if (!isChecked.Any(c => c))
            throw new ArgumentException("GradCheck: no input requires a gradient; call RequiresGrad() on those to check.", nameof(inputs));
        var values = inputs.Select(x => x.Value()).ToArray();
        var check = new CheckedFunction(f, session, values, isChecked, [], options);
        var outputShapes = check.Evaluate(values).Select(y => y.Shape).ToArray();
        return new CheckedFunction(f, session, values, isChecked, outputShapes, options);
    }

    /// <summary>f's outputs at <paramref name="values"/>, as constants (recording off).</summary>
    private Tensor[] Evaluate(Tensor[] values)
    {
        using var _ = _session.NoGrad();
        var ys = _f(values.Select(v => _session.Tensor(v.Clone())).ToArray());
        if (ys is null || ys.Any(y => y is null)) throw new ArgumentException("GradCheck: the function returned null.");
        return ys.Select(y => y.Value()).ToArray();
    }

    /// <summary>Central differences, in double over the step realised in float32.</summary>
    public double[][][,] NumericalJacobian()
    {
        var jacobian = NewJacobian();
        for (var k = 0; k < _values.Length; k++)
        {
            if (!_checked[k]) continue;
            for (var e = 0; e < _values[k].Length; e++)
            {
                var x = _values[k].Span[e];
                var (plus, minus) = ((float)(x + Options.Eps), (float)(x - Options.Eps));
                var step = (double)plus - minus;
                if (step == 0) throw new ArgumentException($"GradCheck: eps {Options.Eps} is below float32 resolution at input {k}, element {e} (value {x}).");
                var yPlus = Evaluate(WithElement(k, e, plus));
                var yMinus = Evaluate(WithElement(k, e, minus));
                for (var o = 0; o < yPlus.Length; o++)
                    for (var j = 0; j < yPlus[o].Length; j++)
                        jacobian[o][k][j, e] = ((double)yPlus[o].Span[j] - yMinus[o].Span[j]) / step;
            }
        }
        return jacobian;
    }

    private Tensor[] WithElement(int input, int element, float value)
    {
        var moved = _values.Select(v => v.Clone()).ToArray();
        moved[input].Span[element] = value;
        return moved;
    }

    /// <summary>One backward pass per output element, with a one-hot head, through the node actors.</summary>
    public double[][][,] BackwardJacobian()
    {
        var jacobian = NewJacobian();
        var leaves = _values.Select((v, i) => _checked[i] ? _session.Tensor(v.Clone()).RequiresGrad() : _session.Tensor(v.Clone())).ToArray();
        var ys = _f(leaves);
        for (var o = 0; o < ys.Length; o++)
        {
            if (!ys[o].RequiresGradient) continue; // a constant output: its rows are zero
            for (var j = 0; j < ys[o].Length; j++)
            {
                foreach (var leaf in leaves) leaf.ZeroGrad();
                var head = Tensor.Zeros(ys[o].Shape);
                head.Span[j] = 1f;
                ys[o].Backward(head, retainGraph: true);
                for (var k = 0; k < leaves.Length; k++)
                {
                    if (!_checked[k] || leaves[k].Grad is not { } grad) continue;
                    for (var e = 0; e < grad.Length; e++) jacobian[o][k][j, e] = grad.Span[e];
                }
            }
        }
        return jacobian;
    }

    /// <summary>One JVP per input element, with a one-hot tangent, through the forward messages.</summary>
    public double[][][,] ForwardJacobian()
    {
        var jacobian = NewJacobian();
        var inputs = _values.Select(v => _session.Tensor(v.Clone())).ToArray();
        for (var k = 0; k < _values.Length; k++)
        {
            if (!_checked[k]) continue;
            for (var e = 0; e < _values[k].Length; e++)
            {
                var tangents = new Tensor?[_values.Length];
                tangents[k] = Tensor.Zeros(_values[k].Shape);
                tangents[k]!.Span[e] = 1f;
                var (_, outputTangents) = Autograd.Jvp(_f, inputs, tangents);
                for (var o = 0; o < outputTangents.Length; o++)
                    for (var j = 0; j < outputTangents[o].Length; j++)
                        jacobian[o][k][j, e] = outputTangents[o].Span[j];
            }
        }
        return jacobian;
    }

    public void Compare(string mode, double[][][,] analytic, double[][][,] numerical, List<GradCheckMismatch> mismatches)
    {
        for (var o = 0; o < _outputShapes.Length; o++)
            for (var k = 0; k < _values.Length; k++)
            {
                if (!_checked[k]) continue;
                var (a, n) = (analytic[o][k], numerical[o][k]);
                for (var j = 0; j < a.GetLength(0); j++)
                    for (var e = 0; e < a.GetLength(1); e++)
                    {
                        // Written so that a NaN on either side fails.
                        if (Math.Abs(a[j, e] - n[j, e]) <= Options.Atol + Options.Rtol * Math.Abs(n[j, e])) continue;
                        mismatches.Add(new GradCheckMismatch(mode, o, j, k, e, Unravel(e, _values[k].Shape), a[j, e], n[j, e]));
                    }
            }
    }

    /// <summary>The index per axis of flat element <paramref name="flat"/>.</summary>
    private static int[] Unravel(int flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (var axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = flat % shape[axis];
            flat /= shape[axis];
        }
        return index;
    }

    private double[][][,] NewJacobian() =>
        _outputShapes.Select(s => _values.Select(v => new double[Shapes.ElementCount(s), v.Length]).ToArray()).ToArray();
}
