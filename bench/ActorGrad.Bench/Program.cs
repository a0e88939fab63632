using ActorGrad.Bench.Peer;
using BenchmarkDotNet.Running;

namespace ActorGrad.Bench;

public static class Program
{
    /// <summary>
    /// `peer [workload ...]` runs the PyTorch peer workloads, `machine` prints the CPU, the kernels' ISA and the FMA peak, `micro [gemm|mlp|elementwise|actors|chain|memory]` the quick figures, `cluster [figure ...]` the
    /// tensor lane, raw TCP/TLS and Akka.Remote between two processes (it starts its second process as `cluster-peer` itself);
    /// `steps` a gradient step of the 784-512-512-10 MLP in-process and on 1-3 member processes (it starts them as `steps --member`);
    /// anything else goes to BenchmarkDotNet.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "peer") return PeerRunner.Run(args[1..]);
        if (args.Length > 0 && args[0] == "machine")
        {
            Micro.MachineReport.Print(Console.Out);
            return 0;
        }
        if (args.Length > 0 && args[0] == "micro") return Micro.MicroBenchmarks.Run(args[1..]);
        if (args.Length > 0 && args[0] == "cluster") return ClusterBench.ClusterBenchmark.Run(args[1..]);
        if (args.Length > 0 && args[0] == "steps") return StepBench.StepBenchmark.Run(args[1..]);
        if (args.Length > 0 && args[0] == "cluster-peer") return ClusterBench.ClusterPeer.Run(args[1..]);
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
        return 0;
    }
}
