using System.Collections.Immutable;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ActorGrad.Cluster.Gradients;
using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Gradients;
using ActorGrad.Protocol.Specs;

namespace ActorGrad.Cluster.Training;

/// <summary>
/// A training run on the cluster: each step is one distributed gradient job whose parameter owners also take the
/// optimizer's step, so the step's result carries the new parameters and optimizer state. The run keeps that state
/// between steps (<see cref="State"/>, readable at any time: the latest finished step's values) and hands it to the
/// next step's owners; an owner re-created after a fault starts from the same step's version of both, so a fault never
/// changes a bit. Await <see cref="RunAsync"/> or stream <see cref="StepsAsync"/>; <see cref="SaveCheckpoint"/> and
/// <see cref="Resume"/> continue a run bitwise.
/// </summary>
public sealed class TrainingRun
{
    private readonly GradientClient _client;
    private readonly MiniBatches _batches;
    private TrainingState _state;
    private int _stepping;

    private TrainingRun(GradientClient client, GraphSpec spec, MiniBatches batches, int shards, TrainingState state)
    {
        _client = client ?? throw new ArgumentNullException(nameof(client));
        Spec = spec ?? throw new ArgumentNullException(nameof(spec));
        _batches = batches ?? throw new ArgumentNullException(nameof(batches));
        if (shards < 1 || shards > batches.BatchSize)
            throw new ArgumentOutOfRangeException(nameof(shards), $"A batch of {batches.BatchSize} examples splits into 1 to {batches.BatchSize} shards, not {shards}.");
        Shards = shards;
        _state = state;
    }

    public GraphSpec Spec { get; }
    public int Shards { get; }

    /// <summary>An upper bound on each step (a job); past it the run fails with a <see cref="GradientJobException"/>.</summary>
    public TimeSpan StepTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>The run after its latest finished step: parameters, optimizer state, step count.</summary>
    public TrainingState State => Volatile.Read(ref _state);

    /// <summary>A new run from <paramref name="parameters"/> (every parameter of the spec, by name) at step 0.</summary>
    public static TrainingRun Start(GradientClient client, GraphSpec spec, IReadOnlyDictionary<string, Tensor> parameters, MiniBatches batches,
        OptimizerSettings optimizer, int shards)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(optimizer);
        optimizer.Checked();
        var names = spec.Parameters.Select(p => p.Name).ToImmutableArray();
        var values = names.Select(n => parameters.TryGetValue(n, out var v) ? v.Clone()
            : throw new ArgumentException($"No initial value for the spec's parameter '{n}'.", nameof(parameters))).ToImmutableArray();
        ArgumentNullException.ThrowIfNull(batches);
        return new TrainingRun(client, spec, batches, shards, new TrainingState(0, optimizer, names, values, []) { ShuffleSeed = batches.ShuffleSeed });
    }

    /// <summary>
    /// Continues the run a checkpoint holds; the spec must have the checkpoint's parameters, names and shapes in order.
    /// The batches are <paramref name="batches"/>' dataset and size shuffled with the checkpoint's seed, whatever seed they
    /// carry: the resumed run sees the batches the straight run would have.
    /// </summary>
    public static TrainingRun Resume(GradientClient client, GraphSpec spec, TrainingState checkpoint, MiniBatches batches, int shards)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(checkpoint);
        var expected = spec.Parameters.Select(p => p.Name).ToArray();
        if (!expected.SequenceEqual(checkpoint.Names))
            throw new ArgumentException($"The checkpoint's parameters ({string.Join(", ", checkpoint.Names)}) are not the model's ({string.Join(", ", expected)}).");
        for (var i = 0; i < expected.Length; i++)
            if (!checkpoint.Parameters[i].ShapeEquals(spec.Parameters[i].Shape.AsSpan()))
                throw new ArgumentException($"The checkpoint's '{expected[i]}' has shape [{string.Join(", ", checkpoint.Parameters[i].Shape)}], the model's [{string.Join(", ", spec.Parameters[i].Shape)}].");
        ArgumentNullException.ThrowIfNull(batches);
        return new TrainingRun(client, spec, batches.WithShuffleSeed(checkpoint.ShuffleSeed), shards, checkpoint);
    }

    /// <summary>Takes one step: the distributed gradient of the step's batch, then the optimizer's step at the owners.</summary>
    public async Task<TrainingStep> StepAsync(CancellationToken cancel = default)
    {
        if (Interlocked.Exchange(ref _stepping, 1) != 0) throw new InvalidOperationException("A training run takes one step at a time.");
        try
        {
            cancel.ThrowIfCancellationRequested();
            var state = State;
            var clock = Stopwatch.StartNew();
            var job = new GradientJob(Spec, state.ParameterMap(), _batches.For(state.Step), Shards)
            {
                Step = state.Step,
                Optimizer = state.Optimizer,
                OptimizerState = state.OptimizerState,
                Timeout = StepTimeout,
            };
            var result = await _client.ComputeAsync(job).WaitAsync(cancel);
            Volatile.Write(ref _state, state with { Step = state.Step + 1, Parameters = result.Parameters, OptimizerState = result.OptimizerState });
            return new TrainingStep(state.Step, result.Loss, result.Members, clock.Elapsed);
        }
        finally
        {
            Volatile.Write(ref _stepping, 0);
        }
    }

    /// <summary>Streams <paramref name="steps"/> steps as they finish.</summary>
    public async IAsyncEnumerable<TrainingStep> StepsAsync(int steps, [EnumeratorCancellation] CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        for (var i = 0; i < steps; i++) yield return await StepAsync(cancel);
    }

    /// <summary>Takes <paramref name="steps"/> steps, telling <paramref name="progress"/> each, and returns the state after the last.</summary>
    public async Task<TrainingState> RunAsync(int steps, Action<TrainingStep>? progress = null, CancellationToken cancel = default)
    {
        await foreach (var step in StepsAsync(steps, cancel)) progress?.Invoke(step);
        return State;
    }

    /// <summary>Writes <see cref="State"/> to a checkpoint file (<see cref="TrainingCheckpoint"/>).</summary>
    public void SaveCheckpoint(string path) => TrainingCheckpoint.Write(path, State);
}
