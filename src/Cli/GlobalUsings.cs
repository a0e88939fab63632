// The spirals dataset lives with the models in Nodes (the cluster's demo traces the same model).
global using ActorGrad.Nodes.Models;
