namespace ActorGrad.Cluster.Management;

/// <summary>How a member finds the others: listed seeds, or Akka.Management's Cluster Bootstrap over a discovery method.</summary>
public enum ClusterDiscovery
{
    /// <summary>The members named by --seed (none: this member forms the cluster).</summary>
    Seeds,
    /// <summary>Cluster Bootstrap over the contact points listed in configuration (Akka.Discovery's config method).</summary>
    Config,
    /// <summary>Cluster Bootstrap over the pods the Kubernetes API lists (Akka.Discovery.KubernetesApi).</summary>
    Kubernetes,
}
