namespace ActorGrad.Cluster.Gradients;

/// <summary>The cluster roles of the gradient service.</summary>
public static class GradientRoles
{
    /// <summary>A member that runs shards and hosts parameter owners (what `actorgrad node` is by default).</summary>
    public const string Worker = "worker";

    /// <summary>A member that only submits jobs: it never gets shards or owners.</summary>
    public const string Client = "client";
}
