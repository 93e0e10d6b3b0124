using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Configuration;
using Vvp.Reconciliation.DependencyInjection;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the reconciler with a host's service collection.</summary>
public static class VvpReconciliationServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="VvpDeploymentReconciler"/> (a singleton) with validated <see cref="ReconcilerOptions"/>.
    /// The host registers an <see cref="IPlatformClient"/> (the HTTP adapter, or an in-memory platform) and,
    /// when CRs name Secrets, an <see cref="ISecretReader"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The service collection.</returns>
    /// <example>
    /// <code>
    /// services.AddVvpReconciliation(o =>
    /// {
    ///     o.Identity = "vvp-1";
    ///     o.WatchedNamespaces.Add("vvp-jobs");
    ///     o.AuthenticationRequired = true;
    /// });
    /// </code>
    /// </example>
    public static IServiceCollection AddVvpReconciliation(this IServiceCollection services, Action<ReconcilerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        return services.AddVvpReconciliation(configure, string.Empty);
    }

    private static IServiceCollection AddVvpReconciliation(this IServiceCollection services, Action<ReconcilerOptions> configure, string keyPrefix)
    {
        services.AddSelfValidatingOptions<ReconcilerOptions>(configure, options => options.Problems(keyPrefix));
        return services.AddVvpReconciliation();
    }

    /// <summary>
    /// Registers <see cref="VvpDeploymentReconciler"/> (a singleton) over the <see cref="ReconcilerOptions"/> the host
    /// registers and checks itself, as <c>AddVvpOperator</c> does from the operator's options, which hold them. The
    /// clock is the registered <see cref="TimeProvider"/> (the system clock unless the host registered another).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddVvpReconciliation(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new ReconcilerTelemetry(provider.GetService<IMeterFactory>()));
        services.TryAddSingleton(provider => new VvpDeploymentReconciler(
            provider.GetRequiredService<IPlatformClient>(),
            provider.GetRequiredService<IOptions<ReconcilerOptions>>().Value,
            provider.GetService<ISecretReader>(),
            provider.GetService<ILogger<VvpDeploymentReconciler>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ReconcilerTelemetry>()));
        return services;
    }

    /// <summary>
    /// Registers the reconciler with options bound from configuration (keys as the property names of
    /// <see cref="ReconcilerOptions"/>, any case; <c>WatchedNamespaces</c> as a list or a comma-separated string; durations
    /// in seconds or as <c>hh:mm:ss</c>), validated at start. An unknown key or a value of the wrong form is an error
    /// naming the key.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, e.g. <c>configuration.GetSection("Vvp:Reconciliation")</c>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddVvpReconciliation(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(services);
        return services.AddVvpReconciliation(options => ReconcilerBinding.BindSection(configuration, options), ConfigurationValues.KeyPrefix(configuration));
    }
}
