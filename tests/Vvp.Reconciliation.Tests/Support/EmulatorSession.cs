using Microsoft.AspNetCore.Http;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Http;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>The platform emulator on 127.0.0.1 and a REST adapter pointed at it, started and stopped together.</summary>
internal sealed class EmulatorSession : IAsyncDisposable
{
    private readonly HttpClient _http;

    private EmulatorSession(PlatformEmulator emulator, VvpPlatformHttpClient client, HttpClient http)
    {
        Emulator = emulator;
        Client = client;
        _http = http;
    }

    public PlatformEmulator Emulator { get; }

    public VvpPlatformHttpClient Client { get; }

    public static async Task<EmulatorSession> StartAsync()
    {
        var emulator = await PlatformEmulator.StartAsync();
        var (client, http) = VvpPlatformHttpClient.Create(new VvpPlatformClientOptions { BaseAddress = emulator.BaseAddress, RequestTimeout = TimeSpan.FromSeconds(30) });
        return new EmulatorSession(emulator, client, http);
    }

    /// <summary>Answers an intercepted request with a status and a body, and says it was handled.</summary>
    public static async Task<bool> Answer(HttpContext context, int status, string body, string contentType = "application/json")
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = contentType;
        await context.Response.WriteAsync(body);
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await Emulator.DisposeAsync();
    }
}
