using System.Runtime.Serialization;
using ActorGrad.Protocol.Serialization;
using Xunit.Abstractions;

namespace ActorGrad.Protocol.Tests.Serialization;

/// <summary>
/// Random and mutated payloads (seeded, so a failure replays): decoding one either gives a message or throws
/// <see cref="SerializationException"/> — nothing else escapes, nothing hangs, and no decode allocates much more than
/// the payload it was given (a forged length must not buy a large allocation).
/// </summary>
public class WireFuzzTests(ITestOutputHelper output)
{
    private const int Payloads = 100_000;
    private const int Seed = 20261128;

    // Decoding may turn each payload byte into at most a UTF-16 char pair or a float byte, plus objects and the
    // exception it throws: a few times the payload and a constant.
    private static long AllocationBound(int payloadLength) => 4L * payloadLength + 32 * 1024;

    [Fact]
    public async Task MutatedAndRandomPayloadsOnlyEverFailAsSerializationExceptions()
    {
        var timeFactor = double.TryParse(Environment.GetEnvironmentVariable("ACTORGRAD_TEST_TIME_FACTOR"), out var f) && f > 0 ? f : 1;
        var run = Task.Factory.StartNew(Fuzz, TaskCreationOptions.LongRunning);
        var finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(120 * timeFactor))); // an upper bound, not synchronisation
        Assert.True(finished == run, "The fuzz run did not finish: a decode hangs or is far too slow.");
        var report = await run;
        output.WriteLine(report.ToString());
        Assert.True(report.Failure is null, report.Failure);
        Assert.True(report.Decoded > 100 && report.Refused > 1000, $"The mutations should produce both valid and invalid payloads: {report}");
    }

    private sealed record Report(int Decoded, int Refused, long MaxExcessAllocation, string? Failure);

    private static Report Fuzz()
    {
        var random = new Random(Seed);
        var corpus = Corpus(random);
        var manifests = WireManifests.Entries.Select(e => e.Manifest).ToArray();
        int decoded = 0, refused = 0;
        long maxExcess = long.MinValue;
        for (var i = 0; i < Payloads; i++)
        {
            var (manifest, valid) = corpus[random.Next(corpus.Count)];
            var payload = Mutate(random, valid, corpus);
            if (random.Next(20) == 0) manifest = manifests[random.Next(manifests.Length)]; // the right bytes under the wrong name
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                WireCodec.Decode(payload, manifest);
                decoded++;
            }
            catch (SerializationException)
            {
                refused++;
            }
            catch (Exception e)
            {
                return new Report(decoded, refused, maxExcess, $"Payload {i} ('{manifest}', {Convert.ToHexString(payload)}) threw {e}");
            }
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            maxExcess = Math.Max(maxExcess, allocated - 4L * payload.Length);
            if (allocated > AllocationBound(payload.Length))
                return new Report(decoded, refused, maxExcess, $"Payload {i} ('{manifest}', {payload.Length} bytes: {Convert.ToHexString(payload)}) allocated {allocated} bytes.");
        }
        return new Report(decoded, refused, maxExcess, null);
    }

    private static List<(string Manifest, byte[] Payload)> Corpus(Random random)
    {
        var corpus = new List<(string, byte[])>();
        foreach (var type in SampleMessages.MessageTypes)
        for (var i = 0; i < 8; i++)
        {
            var message = SampleMessages.Create(type, random);
            corpus.Add((WireCodec.ManifestOf(message), WireCodec.Encode(message)));
        }
        return corpus;
    }

    private static byte[] Mutate(Random random, byte[] valid, List<(string Manifest, byte[] Payload)> corpus)
    {
        var bytes = valid.ToList();
        switch (random.Next(8))
        {
            case 0: // noise
                return RandomBytes(random, random.Next(64));
            case 1: // flip a few bytes
                for (var n = random.Next(1, 5); n > 0 && bytes.Count > 0; n--) bytes[random.Next(bytes.Count)] ^= (byte)random.Next(1, 256);
                break;
            case 2: // truncate
                return bytes.Take(random.Next(bytes.Count)).ToArray();
            case 3: // extend
                bytes.AddRange(RandomBytes(random, random.Next(1, 32)));
                break;
            case 4: // forge a length or count: after a header byte, write large or random big-endian values
                ForgeLength(random, bytes);
                break;
            case 5: // insert or delete a byte
                if (random.Next(2) == 0 || bytes.Count == 0) bytes.Insert(random.Next(bytes.Count + 1), (byte)random.Next(256));
                else bytes.RemoveAt(random.Next(bytes.Count));
                break;
            case 6: // splice two valid payloads
                var other = corpus[random.Next(corpus.Count)].Payload;
                return bytes.Take(random.Next(bytes.Count + 1)).Concat(other.Skip(random.Next(other.Length + 1))).ToArray();
            default: // unchanged: the valid encodings must keep decoding
                break;
        }
        return bytes.ToArray();
    }

    private static void ForgeLength(Random random, List<byte> bytes)
    {
        // MessagePack headers followed by a big-endian length or value: bin8/16/32, str8/16/32, array16/32, uint16/32, int32.
        var headers = new Dictionary<byte, int>
        {
            [0xc4] = 1, [0xc5] = 2, [0xc6] = 4, [0xd9] = 1, [0xda] = 2, [0xdb] = 4, [0xdc] = 2, [0xdd] = 4, [0xcd] = 2, [0xce] = 4, [0xd2] = 4,
        };
        var positions = Enumerable.Range(0, bytes.Count).Where(i => headers.ContainsKey(bytes[i])).ToList();
        if (positions.Count == 0)
        {
            // No long header here (a small message): plant one.
            var at = random.Next(bytes.Count + 1);
            bytes.InsertRange(at, [0xc6, 0x7f, 0xff, 0xff, 0xff]);
            return;
        }
        var position = positions[random.Next(positions.Count)];
        var width = headers[bytes[position]];
        for (var b = 1; b <= width && position + b < bytes.Count; b++)
            bytes[position + b] = random.Next(3) switch { 0 => 0xff, 1 => 0x7f, _ => (byte)random.Next(256) };
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
