using System.Buffers;
using System.Buffers.Binary;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ActorGrad.Bench.ClusterBench;

/// <summary>
/// The receiving end the lane would have on Kestrel's connection handlers (the option measured beside gRPC and
/// our own sockets): it speaks <see cref="RawTcp"/>'s protocol, but copies each message of the command's size out
/// of Kestrel's pipe into an array of its own, as a lane must hand a whole array to Akka's deserializer. Plaintext.
/// </summary>
internal sealed class KestrelSink : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KestrelSink(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public static async Task<KestrelSink> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.UseConnectionHandler<Handler>()));
        var app = builder.Build();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KestrelSink(app, new Uri(address).Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed class Handler : ConnectionHandler
    {
        public override async Task OnConnectedAsync(ConnectionContext connection)
        {
            var input = connection.Transport.Input;
            byte[]? message = null;
            long messageAt = 0, left = 0;
            var command = new byte[16];
            while (true)
            {
                var read = await input.ReadAsync();
                var buffer = read.Buffer;
                while (true)
                {
                    if (left == 0)
                    {
                        if (buffer.Length < 16) break;
                        buffer.Slice(0, 16).CopyTo(command);
                        buffer = buffer.Slice(16);
                        if (BinaryPrimitives.ReadInt32LittleEndian(command) != 1) return;
                        left = BinaryPrimitives.ReadInt64LittleEndian(command.AsSpan(8));
                        messageAt = 0;
                        message = null;
                    }
                    if (buffer.IsEmpty) break;
                    var size = Math.Max(1, BinaryPrimitives.ReadInt32LittleEndian(command.AsSpan(4)));
                    message ??= GC.AllocateUninitializedArray<byte>((int)Math.Min(size, left));
                    var n = (int)Math.Min(buffer.Length, message.Length - messageAt);
                    buffer.Slice(0, n).CopyTo(message.AsSpan((int)messageAt));
                    buffer = buffer.Slice(n);
                    messageAt += n;
                    left -= n;
                    if (messageAt == message.Length)
                    {
                        message = null;
                        messageAt = 0;
                    }
                    if (left == 0)
                    {
                        await connection.Transport.Output.WriteAsync(new byte[1]);
                    }
                }
                input.AdvanceTo(buffer.Start, buffer.End);
                if (read.IsCompleted) return;
            }
        }
    }
}
