using SingleDarts.Search.Nn;
using SingleDarts.Search.Spaces.Nb201;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace SingleDarts.Search.Tests;

/// <summary>
/// The fused cell (edges grouped by source node, α folded into BatchNorm's scale) must be the
/// very function of NAS-Bench-201's cell: node j = Σ_{i&lt;j} Σ_op w_op·op(node i), written here
/// edge by edge with plain functional ops on slices of the same parameters.
/// </summary>
[Trait("Category", "unit")]
public class CellTests
{
    private const int C = 3;

    [Theory]
    [InlineData(Relaxation.Softmax, true)]
    [InlineData(Relaxation.Sigmoid, true)]
    [InlineData(Relaxation.Softmax, false)]
    public void Fused_cell_equals_the_edge_by_edge_definition(Relaxation relax, bool training)
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var scope = NewDisposeScope();
        using var g = new Generator(5, CPU);
        var cell = new Cell(C, g);
        var alphas = new Parameter(randn(6, 5, generator: g), requires_grad: true);
        var x = randn([4, C, 6, 6], generator: g);
        var probe = randn([4, C, 6, 6], generator: g);
        var parameters = cell.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var buffers = cell.named_buffers().ToDictionary(p => p.name, p => p.buffer);

        if (!training)
        {
            // give the running statistics values of their own first
            cell.train(true);
            using (no_grad())
            using (var warm = new CellWeights(relax.Apply(alphas), C))
            using (var two = 2.0.ToScalar())
                cell.forward(randn([8, C, 6, 6], generator: g).mul_(two).add_(Scalars.One, Scalars.One), warm);
        }
        cell.train(training);
        var runningBefore = buffers.ToDictionary(b => b.Key, b => b.Value.clone());

        var opWeights = relax.Apply(alphas);
        var fused = cell.forward(x, new CellWeights(opWeights, C));
        // the reference runs in float64, where libtorch does not use oneDNN: independent of its f32 kernels
        var reference = Reference(x.to(float64), relax.Apply(alphas).to(float64), parameters, runningBefore, training);

        AssertClose(reference, fused, 1e-5);
        var inputs = parameters.Values.Cast<Tensor>().Append(alphas).ToArray();
        var gFused = autograd.grad([fused.mul(probe).sum()], inputs);
        var gRef = autograd.grad([reference.mul(probe).sum()], inputs);
        for (var i = 0; i < inputs.Length; i++) AssertClose(gRef[i], gFused[i], 1e-4);
    }

    [Fact]
    public void None_contributes_nothing_but_its_share_of_the_softmax()
    {
        TorchRuntime.Configure(Tiny.Threads);
        using var scope = NewDisposeScope();
        using var g = new Generator(9, CPU);
        var cell = new Cell(C, g);
        cell.train(true);
        var x = randn([4, C, 6, 6], generator: g);
        // all weight on none: every node is exactly zero
        var onlyNone = zeros(6, 5);
        onlyNone[TensorIndex.Colon, Primitives.None] = tensor(1f);
        var output = cell.forward(x, new CellWeights(onlyNone, C));
        Assert.Equal(0f, output.abs().max().item<float>());
    }

    private static Tensor Reference(Tensor x, Tensor w, Dictionary<string, Parameter> p, Dictionary<string, Tensor> running, bool training)
    {
        var nodes = new List<Tensor> { x };
        for (var to = 1; to < Edge.NodeCount; to++)
        {
            Tensor? sum = null;
            for (var from = 0; from < to; from++)
            {
                var e = Edge.All.ToList().IndexOf(new Edge(to, from));
                var slot = to - from - 1;
                var prefix = $"edges_from_{from}.";
                Tensor Slice(Dictionary<string, Tensor> d, string name) => d[prefix + name].narrow(0, slot * C, C).to(float64);
                Tensor SliceP(string name) => p[prefix + name].narrow(0, slot * C, C).to(float64);
                var input = nodes[from];
#pragma warning disable SD1004 // float64: not oneDNN
                var conv1 = F.batch_norm(F.conv2d(F.relu(input), SliceP("conv1x1_weight"), SliceP("conv1x1_bias")),
                    Slice(running, "bn1x1_mean").clone(), Slice(running, "bn1x1_var").clone(), null, null, training);
                var conv3 = F.batch_norm(F.conv2d(F.relu(input), SliceP("conv3x3_weight"), SliceP("conv3x3_bias"), padding: [1, 1]),
                    Slice(running, "bn3x3_mean").clone(), Slice(running, "bn3x3_var").clone(), null, null, training);
#pragma warning restore SD1004
                var pool = F.avg_pool2d(input, 3, 1, 1, count_include_pad: false);
                var edge = zeros_like(input).mul(w[e, 0]).add(input.mul(w[e, 1]), Scalars.One).add(conv1.mul(w[e, 2]), Scalars.One)
                    .add(conv3.mul(w[e, 3]), Scalars.One).add(pool.mul(w[e, 4]), Scalars.One);
                sum = sum is null ? edge : sum.add(edge, Scalars.One);
            }
            nodes.Add(sum!);
        }
        return nodes[3];
    }

    private static void AssertClose(Tensor expected, Tensor actual, double tol)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = expected.to(float64).sub(actual.to(float64)).abs().max().item<double>();
        var scale = Math.Max(1.0, expected.abs().max().to(float64).item<double>());
        Assert.True(diff <= tol * scale, $"max difference {diff} exceeds {tol * scale}");
    }
}
