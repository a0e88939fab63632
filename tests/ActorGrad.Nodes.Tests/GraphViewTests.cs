using System.Runtime.CompilerServices;
using ActorGrad.Engine.Tensors;

namespace ActorGrad.Nodes.Tests;

/// <summary>GraphView.Of: the recorded graph behind a Var as nodes (op, shape), forward edges and detach cuts.</summary>
public sealed class GraphViewTests : IDisposable
{
    private readonly Session _s = new();
    public void Dispose() => _s.Dispose();

    private static Var Exercise(Var x) => x.Pow(2f).Log() * x.Sin() + 1f / x;

    [Fact]
    public void The_exercise_graph_has_its_leaf_six_op_nodes_two_constants_in_dependency_order()
    {
        var x = _s.Scalar(2f).RequiresGrad();
        var view = GraphView.Of(Exercise(x));
        Assert.Equal(9, view.Nodes.Length);
        Assert.Single(view.Nodes, n => n.Kind == GraphViewKind.Leaf);
        Assert.Equal(["add", "div", "log", "mul", "pow", "sin"], view.Nodes.Where(n => n.Kind == GraphViewKind.Op).Select(n => n.Op).Order());
        Assert.Equal([1f, 2f], view.Nodes.Where(n => n.Kind == GraphViewKind.Constant).Select(n => n.Value!.Item()).Order());
        Assert.All(view.Nodes, n => Assert.Empty(n.Shape));
        Assert.Equal("add", view.Nodes[^1].Op); // the root last
        Assert.Equal(10, view.Edges.Length);
        Assert.All(view.Edges, e => Assert.True(e.From < e.To, "inputs come before their consumers"));
        Assert.DoesNotContain(view.Edges, e => e.Detached);
        Assert.All(view.Edges, e => Assert.Null(e.LocalGradient)); // only when asked for
    }

    [Fact]
    public void Shapes_come_from_the_shape_rules_and_local_gradients_are_summed_back_to_the_input()
    {
        var x = _s.Tensor([1f, 2f, 3f], 3).RequiresGrad();
        var s = _s.Scalar(5f).RequiresGrad();
        var view = GraphView.Of((x * s).Sum(), withGradients: true);
        var mul = view.Nodes.Single(n => n.Op == "mul");
        Assert.Equal([3], mul.Shape.ToArray());
        Assert.Empty(view.Nodes[^1].Shape);
        var fromS = view.Edges.Single(e => e.To == mul.Id && view.Nodes[e.From].Shape.Length == 0);
        Assert.Equal(6f, fromS.LocalGradient!.Item()); // d sum_i(x_i s) / ds through mul alone: the ones-VJP sums x
        var fromX = view.Edges.Single(e => e.To == mul.Id && e != fromS);
        Assert.Equal([5f, 5f, 5f], fromX.LocalGradient!.ToArray());
        Assert.Equal([1f, 2f, 3f], view.Nodes[fromX.From].Value!.ToArray());
    }

    [Fact]
    public void A_detach_is_a_cut_edge_from_the_node_it_came_from()
    {
        // The seeds' "Detaching Computation": u = y.detach(); z = u * x.
        var x = _s.Arange(4).RequiresGrad();
        var y = x * x;
        var u = y.Detach();
        var z = u * x;
        var view = GraphView.Of(z, withGradients: true);
        var cut = Assert.Single(view.Edges, e => e.Detached);
        Assert.Equal("mul", view.Nodes[cut.From].Op); // y
        Assert.Equal(view.Nodes.Length - 1, cut.To);  // z
        Assert.Null(cut.LocalGradient);                // nothing flows back over it
        Assert.Equal(4, view.Edges.Length);            // x->y twice, the cut, x->z

        // The detached value itself: a constant with the cut leading to it.
        var ofU = GraphView.Of(u);
        Assert.Equal(GraphViewKind.Constant, ofU.Nodes[^1].Kind);
        Assert.True(Assert.Single(ofU.Edges, e => e.To == ofU.Nodes.Length - 1).Detached);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private Var DetachedFromAGraphNobodyHolds(Var x) => (x * x).Detach();

    [Fact]
    public void The_view_does_not_keep_the_graph_behind_a_cut_alive()
    {
        var x = _s.Arange(3).RequiresGrad();
        var u = DetachedFromAGraphNobodyHolds(x);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var view = GraphView.Of(u * x);
        var cut = Assert.Single(view.Edges, e => e.Detached);
        Assert.Equal(GraphViewKind.Gone, view.Nodes[cut.From].Kind);
        Assert.Equal([3], view.Nodes[cut.From].Shape.ToArray());
    }

    [Fact]
    public void A_chain_of_thousands_of_ops_is_walked_without_recursion()
    {
        var x = _s.Scalar(1f).RequiresGrad();
        var y = x;
        for (var i = 0; i < 5000; i++) y = y + 1f;
        var view = GraphView.Of(y);
        Assert.Equal(1 + 5000 + 1, view.Nodes.Length); // x, the adds, the one shared constant 1
        Assert.Equal(10000, view.Edges.Length);
    }

    [Fact]
    public void A_constant_root_is_one_constant()
    {
        var view = GraphView.Of(_s.Scalar(3f) * 2f);
        Assert.Equal(GraphViewKind.Constant, Assert.Single(view.Nodes).Kind);
        Assert.Empty(view.Edges);
    }
}
