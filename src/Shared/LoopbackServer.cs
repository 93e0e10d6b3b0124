using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Vvp.Reconciliation.Hosting;

/// <summary>
/// Starts a Kestrel server on 127.0.0.1 that answers every request with one handler, and says where it listens.
/// Compiled into each stand-in that serves an API on a real socket (the source is shared, the type stays internal).
/// </summary>
internal static class LoopbackServer
{
    /// <param name="port">The port; 0 picks a free one.</param>
    /// <param name="handle">Answers each request.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running application and its base address (ending in '/').</returns>
    public static async Task<(WebApplication App, Uri BaseAddress)> StartAsync(int port, RequestDelegate handle, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.Run(handle);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetService(typeof(IServer)) is IServer server
            ? server.Features.Get<IServerAddressesFeature>()!.Addresses.First()
            : throw new InvalidOperationException("The application has no server.");
        return (app, new Uri(address.TrimEnd('/') + "/"));
    }
}
