using ActorGrad.Engine.Tensors;
using ActorGrad.Protocol.Nodes;
using Akka.Actor;
using Akka.TestKit;

namespace ActorGrad.TestKit;

/// <summary>What a probe standing in for a graph node says and expects.</summary>
public static class GraphProbeExtensions
{
    /// <summary>This probe as a node's input: subscribed to and, if <paramref name="differentiable"/>, sent VJPs.</summary>
    public static GraphInput AsInput(this TestProbe probe, bool differentiable = true) => GraphInput.From(probe.Ref, differentiable);

    /// <summary>As an input: expects the node's Subscribe for <paramref name="slot"/> and answers it with <paramref name="value"/>.</summary>
    public static async Task FeedAsync(this TestProbe input, int slot, Tensor value, TimeSpan? max = null)
    {
        await input.ExpectMsgAsync(new Subscribe(slot), max);
        input.Reply(new Forward(slot, value));
    }

    /// <summary>As a consumer: subscribes to <paramref name="node"/>'s value at input <paramref name="slot"/>.</summary>
    public static void SubscribeTo(this TestProbe consumer, IActorRef node, int slot, bool sendValue = true) =>
        consumer.Send(node, new Subscribe(slot, sendValue));

    /// <summary>Expects a Forward for <paramref name="slot"/>; returns its value.</summary>
    public static async Task<Tensor> ExpectForwardAsync(this TestProbe consumer, int slot, TimeSpan? max = null)
    {
        var forward = await consumer.ExpectMsgAsync<Forward>(max, $"a Forward for slot {slot}");
        if (forward.Slot != slot) throw new Xunit.Sdk.XunitException($"Expected a Forward for slot {slot} but got one for slot {forward.Slot}.");
        return Tensor.From(forward.Value);
    }

    /// <summary>Expects a Gradient of pass <paramref name="passId"/>; returns the VJP.</summary>
    public static async Task<Tensor> ExpectGradientAsync(this TestProbe input, long passId, TimeSpan? max = null)
    {
        var gradient = await input.ExpectMsgAsync<Gradient>(max, $"a Gradient of pass {passId}");
        if (gradient.PassId != passId) throw new Xunit.Sdk.XunitException($"Expected a Gradient of pass {passId} but got one of pass {gradient.PassId}.");
        return Tensor.From(gradient.Value);
    }

    /// <summary>As a pass's tracker: opens pass <paramref name="passId"/> at <paramref name="node"/> with the counted number of VJPs.</summary>
    public static void PreparePass(this TestProbe tracker, IActorRef node, long passId, int expectedGradients, bool retainGraph = false) =>
        tracker.Send(node, new PreparePass(passId, expectedGradients, retainGraph));

    /// <summary>Sends a VJP of pass <paramref name="passId"/> into <paramref name="node"/>.</summary>
    public static void SendGradient(this TestProbe sender, IActorRef node, long passId, Tensor gradient) =>
        sender.Send(node, new Gradient(passId, gradient));

    /// <summary>Asks <paramref name="node"/> for its value and expects it.</summary>
    public static async Task<Tensor> ReadValueAsync(this TestProbe reader, IActorRef node, TimeSpan? max = null)
    {
        reader.Send(node, new ValueRequest());
        return Tensor.From((await reader.ExpectMsgAsync<ValueReply>(max)).Value);
    }
}
