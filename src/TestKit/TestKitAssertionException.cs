using Xunit.Sdk;

namespace ActorGrad.TestKit;

/// <summary>A failed expectation: says what was expected, what arrived and how long it waited.</summary>
public sealed class TestKitAssertionException(string message) : XunitException(message);
