using Akka.Hosting;

namespace ActorGrad.Cluster.Lanes;

/// <summary>Akka.Hosting: <c>builder.WithTensorLane(settings)</c> gives the member its tensor lane, started with the system.</summary>
public static class TensorLaneHosting
{
    public static AkkaConfigurationBuilder WithTensorLane(this AkkaConfigurationBuilder builder, TensorLaneSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        return builder
            .AddSetup(new TensorLaneSetup(settings))
            .AddStartup((system, _) => TensorLane.Get(system));
    }
}
