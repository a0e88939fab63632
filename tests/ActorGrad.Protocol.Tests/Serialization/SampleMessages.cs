using System.Reflection;
using ActorGrad.Protocol.Nodes;
using ActorGrad.Protocol.Tensors;

namespace ActorGrad.Protocol.Tests.Serialization;

/// <summary>
/// Every record deriving from <see cref="NodeMessage"/>, found by reflection, and instances of each built from its
/// primary constructor with seeded values: a record added later is covered without editing the tests.
/// </summary>
internal static class SampleMessages
{
    public static readonly Type[] MessageTypes = typeof(NodeMessage).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(NodeMessage)) && !t.IsAbstract).OrderBy(t => t.Name).ToArray();

    public static object Create(Type type, Random random)
    {
        var constructor = type.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        var arguments = constructor.GetParameters().Select(p => Value(p, random)).ToArray();
        return constructor.Invoke(arguments);
    }

    private static object? Value(ParameterInfo parameter, Random random)
    {
        var type = parameter.ParameterType;
        if (type == typeof(int)) return random.Next(-1000, 1000);
        if (type == typeof(long)) return random.NextInt64(long.MinValue, long.MaxValue);
        if (type == typeof(bool)) return random.Next(2) == 1;
        if (type == typeof(float)) return (float)random.NextDouble() * 10 - 5;
        if (type == typeof(ITensorPayload)) return Tensor(random);
        if (type == typeof(Exception)) return Failure();
        throw new InvalidOperationException($"SampleMessages cannot make a {type.Name} for {parameter.Member.DeclaringType?.Name}.{parameter.Name}: teach it.");
    }

    public static WireTensor Tensor(Random random, int maxRank = 3, int maxDim = 5)
    {
        var dimensions = new int[random.Next(maxRank + 1)];
        for (var i = 0; i < dimensions.Length; i++) dimensions[i] = random.Next(maxDim + 1);
        var count = dimensions.Aggregate(1, (a, b) => a * b);
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = (float)random.NextDouble() * 2 - 1;
        return new WireTensor(dimensions, values);
    }

    public static Exception Failure()
    {
        try
        {
            try { throw new ArgumentOutOfRangeException("slot", "slot 3 is outside the op's 2 inputs"); }
            catch (Exception inner) { throw new InvalidOperationException("forward of 'mul' failed", inner); }
        }
        catch (Exception e) { return e; }
    }
}
