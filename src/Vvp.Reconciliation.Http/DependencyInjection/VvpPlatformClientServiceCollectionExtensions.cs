using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Vvp.Reconciliation.Configuration;
using Vvp.Reconciliation.DependencyInjection;
using Vvp.Reconciliation.Http;
using Vvp.Reconciliation.Platform;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Ververica Platform REST adapter as the <see cref="IPlatformClient"/>.</summary>
public static class VvpPlatformClientServiceCollectionExtensions
{
    /// <summary>
    /// The name of the <see cref="HttpCircuitBreakerStrategyOptions"/> of the adapter's circuit breaker, for
    /// <c>services.Configure&lt;HttpCircuitBreakerStrategyOptions&gt;(CircuitBreakerOptionsName, o =&gt; …)</c>; read once,
    /// when the handler is first made. The defaults are Microsoft.Extensions.Http.Resilience's: open for 5 s when at
    /// least 10 % of at least 100 requests in 30 s failed (HTTP 408, 429 and 5xx, and connection failures).
    /// </summary>
    public const string CircuitBreakerOptionsName = "VvpPlatformHttpClient";

    /// <summary>
    /// Registers <see cref="VvpPlatformHttpClient"/> as a typed <see cref="HttpClient"/> and as the
    /// <see cref="IPlatformClient"/>: redirects followed only with the token kept to its origin, and a resilience
    /// handler holding a circuit breaker (<see cref="HttpCircuitBreakerStrategyOptions"/> named
    /// <see cref="CircuitBreakerOptionsName"/>). The handler neither retries nor times out: the reconciler's one retry
    /// policy re-reads and re-plans instead of resending a write, and <see cref="VvpPlatformClientOptions.RequestTimeout"/>
    /// ends each request.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; <see cref="VvpPlatformClientOptions.BaseAddress"/> is required.</param>
    /// <returns>The HTTP client builder, to add handlers.</returns>
    /// <example>
    /// <code>
    /// services.AddVvpPlatformClient(o => o.BaseAddress = new Uri("https://vvp.example.com/"));
    /// </code>
    /// </example>
    public static IHttpClientBuilder AddVvpPlatformClient(this IServiceCollection services, Action<VvpPlatformClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddVvpPlatformClient(configure, string.Empty);
    }

    /// <summary>
    /// Registers the REST adapter with options bound from configuration (keys as the property names of
    /// <see cref="VvpPlatformClientOptions"/>, any case), validated at start; an unknown key is an error naming it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, e.g. <c>configuration.GetSection("Vvp:Platform")</c>.</param>
    /// <returns>The client builder, to add handlers.</returns>
    public static IHttpClientBuilder AddVvpPlatformClient(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddVvpPlatformClient(options => ConfigurationBinding.Bind(configuration, options), ConfigurationValues.KeyPrefix(configuration));
    }

    private static IHttpClientBuilder AddVvpPlatformClient(this IServiceCollection services, Action<VvpPlatformClientOptions> configure, string keyPrefix)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSelfValidatingOptions<VvpPlatformClientOptions>(configure, options => options.Problems(keyPrefix));
        services.TryAddSingleton(TimeProvider.System);
        // The clock registered with the host reaches the adapter unless the options name one of their own.
        services.AddOptions<VvpPlatformClientOptions>().PostConfigure<TimeProvider>((options, time) =>
        {
            if (ReferenceEquals(options.TimeProvider, TimeProvider.System))
            {
                options.TimeProvider = time;
            }
        });

        var builder = services
            .AddHttpClient(nameof(VvpPlatformHttpClient), (provider, client) =>
            {
                client.BaseAddress = provider.GetRequiredService<IOptions<VvpPlatformClientOptions>>().Value.BaseAddress;
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(provider => PlatformTrust.CreateHandler(provider.GetRequiredService<IOptions<VvpPlatformClientOptions>>().Value))
            .AddHttpMessageHandler(provider => new SameOriginRedirectHandler(provider.GetRequiredService<IOptions<VvpPlatformClientOptions>>().Value));
        // Of a resilience handler only its circuit breaker: one retry policy, the reconciler's, which re-reads and re-plans
        // instead of resending a write, waits on the injected clock and stays within its deadline (retrying here too would
        // multiply the attempts); one timeout setting, the adapter's requestTimeout, which ends each request, its answer
        // read included, with a message naming it.
        builder.AddResilienceHandler("circuit-breaker", (pipeline, context) =>
            pipeline.AddCircuitBreaker(context.GetOptions<HttpCircuitBreakerStrategyOptions>(CircuitBreakerOptionsName)));

        // The factory's request logging never shows the token, whatever the log level.
        builder.RedactLoggedHeaders(["Authorization"]);
        // One adapter for the application's life (it keeps the platform's version), asking the factory for a client
        // per request, so that handlers rotate and DNS changes are seen.
        services.AddSingleton(provider =>
        {
            var factory = provider.GetRequiredService<IHttpClientFactory>();
            return new VvpPlatformHttpClient(() => factory.CreateClient(nameof(VvpPlatformHttpClient)), provider.GetRequiredService<IOptions<VvpPlatformClientOptions>>().Value);
        });
        services.AddSingleton<IPlatformClient>(provider => provider.GetRequiredService<VvpPlatformHttpClient>());
        return builder;
    }


}
