using ActorGrad.Engine.Tensors;

namespace ActorGrad.Engine.Tests.Tensors;

public class ComputeThreadsTests
{
    [Fact]
    public void ALimitHoldsInItsScopeAndIsRestoredAfter()
    {
        var outside = ComputeThreads.Current;
        Assert.Equal(Environment.ProcessorCount, outside);
        using (ComputeThreads.Limit(1))
        {
            Assert.Equal(1, ComputeThreads.Current);
            using (ComputeThreads.Limit(3)) Assert.Equal(3, ComputeThreads.Current);
            Assert.Equal(1, ComputeThreads.Current);
        }
        Assert.Equal(outside, ComputeThreads.Current);
    }

    [Fact]
    public void ALimitBelowOneIsRefused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => ComputeThreads.Limit(0));

    [Fact]
    public void OneThreadRunsEveryPieceOnTheCallingThread()
    {
        var caller = Environment.CurrentManagedThreadId;
        var seen = new int[16];
        var threads = new HashSet<int>();
        using (ComputeThreads.Limit(1))
            ComputeThreads.For(seen.Length, i =>
            {
                seen[i]++;
                lock (threads) threads.Add(Environment.CurrentManagedThreadId);
            });
        Assert.All(seen, n => Assert.Equal(1, n));
        Assert.Equal([caller], threads);
    }

    [Fact]
    public void TwoThreadsRunTwoPiecesAtOnce()
    {
        // Each piece waits for the other: only two threads at once get both past the barrier.
        using var barrier = new Barrier(2);
        var met = new bool[2];
        var bound = TimeSpan.FromSeconds(10 * TimeFactor);
        using (ComputeThreads.Limit(2))
            ComputeThreads.For(2, i => met[i] = barrier.SignalAndWait(bound));
        Assert.Equal([true, true], met);
    }

    private static double TimeFactor =>
        double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), System.Globalization.CultureInfo.InvariantCulture, out var f) && f > 0 ? f : 1;

    [Fact]
    public void TheLimitReachesTheWorkersOfAParallelLoop()
    {
        var inside = new int[8];
        using (ComputeThreads.Limit(2))
            ComputeThreads.For(inside.Length, i => inside[i] = ComputeThreads.Current);
        Assert.All(inside, n => Assert.Equal(2, n));
    }

    [Fact]
    public void ElementwiseOpsGiveTheSameBitsOnOneThreadAndOnTwo()
    {
        using var x = Reference.Random(5, 1 << 18);
        using var y = Reference.Random(6, 1 << 18);
        float[] one, two;
        using (ComputeThreads.Limit(1)) one = TensorOps.Exp(TensorOps.Add(x, y)).ToArray();
        using (ComputeThreads.Limit(2)) two = TensorOps.Exp(TensorOps.Add(x, y)).ToArray();
        Assert.Equal(one.Select(BitConverter.SingleToInt32Bits), two.Select(BitConverter.SingleToInt32Bits));
    }
}
