using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vvp.Reconciliation.Configuration;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Kubernetes.Hosting;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using static Vvp.Reconciliation.Configuration.ConfigurationValues;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the Kubernetes operator.</summary>
public static class VvpOperatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the operator as a hosted service (<see cref="VvpOperatorService"/>), on the reconciler that
    /// <c>AddVvpReconciliation</c> registers: its options are the operator's <see cref="VvpOperatorOptions.Reconciler"/>,
    /// its Secrets come from the operator's Secret informers, its clock is the registered <see cref="TimeProvider"/>.
    /// The host must register an <c>IPlatformClient</c> (e.g. with <c>AddVvpPlatformClient</c>); a <c>k8s.Kubernetes</c>
    /// client is optional. The options are validated when the host starts.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddVvpOperator(this IServiceCollection services, Action<VvpOperatorOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<VvpOperatorOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<VvpOperatorOptions>, Validator>();
        // The reconciler's options are held by the operator's, and checked with them (by their configuration keys).
        services.AddSingleton<IOptions<ReconcilerOptions>>(provider => Options.Options.Create(provider.GetRequiredService<IOptions<VvpOperatorOptions>>().Value.Reconciler));
        services.AddSingleton<SecretCache>();
        services.Replace(ServiceDescriptor.Singleton<ISecretReader>(provider => provider.GetRequiredService<SecretCache>()));
        services.AddVvpReconciliation();
        services.AddSingleton(provider => new VvpOperatorService(
            provider.GetRequiredService<IOptions<VvpOperatorOptions>>(),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<k8s.Kubernetes>(),
            provider));
        services.AddHostedService(provider => provider.GetRequiredService<VvpOperatorService>());
        return services;
    }

    /// <summary>
    /// Adds the operator with options bound from a configuration section under the documentation's names, e.g.
    /// <c>vvp:k8sOperator</c> with <c>enabled</c>, <c>identity</c> and <c>watchedNamespaces</c> (a list, or a
    /// comma-separated string), and the controller's settings (<c>resyncPeriod</c>, <c>workers</c>, <c>deletionPolicy</c>,
    /// <c>authenticationRequired</c>, <c>leaseDuration</c>, …; durations in seconds or <c>hh:mm:ss</c>). An unknown
    /// key or a value of the wrong kind (a misspelt deletion policy) fails the start with a message naming it.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configuration">The section, e.g. <c>configuration.GetSection("vvp:k8sOperator")</c>.</param>
    /// <returns>The services.</returns>
    public static IServiceCollection AddVvpOperator(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return services.AddVvpOperator(options => Bind(configuration, options));
    }

    // Every key is read; the keys that cannot be are all named in one error.
    private static void Bind(IConfiguration section, VvpOperatorOptions options) => BindEach(section, child => BindOne(child, options));

    private static void BindOne(IConfigurationSection child, VvpOperatorOptions options)
    {
        switch (child.Key.ToLowerInvariant())
        {
            case "enabled": options.Enabled = Boolean(child); break;
            case "resyncperiod": options.ResyncPeriod = Duration(child); break;
            case "workers": options.Workers = Int(child); break;
            case "listplatformnamespaces": options.ListPlatformNamespaces = Boolean(child); break;
            case "holderidentity": options.HolderIdentity = child.Value ?? string.Empty; break;
            case "leasenamespace": options.LeaseNamespace = child.Value; break;
            case "leaseduration": options.LeaseDuration = Duration(child); break;
            case "renewdeadline": options.RenewDeadline = Duration(child); break;
            case "retryperiod": options.RetryPeriod = Duration(child); break;
            case "shutdowngrace": options.ShutdownGrace = Duration(child); break;
            case "kubernetescalltimeout": options.KubernetesCallTimeout = Duration(child); break;
            case "watchtimeout": options.WatchTimeout = Duration(child); break;
            case "retrybasedelay": options.RetryBaseDelay = Duration(child); break;
            case "retrymaxdelay": options.RetryMaxDelay = Duration(child); break;
            case "eventburst": options.EventBurst = Int(child); break;
            case "eventrefill": options.EventRefill = Duration(child); break;
            default:
                if (!ReconcilerBinding.TryBind(child, options.Reconciler))
                {
                    throw new ArgumentException($"Configuration {child.Path} is not a setting of the operator; the settings are {Keys}.");
                }

                break;
        }
    }

    /// <summary>Every key of <c>vvp:k8sOperator</c>.</summary>
    internal const string Keys = "enabled, " + ReconcilerBinding.Keys + ", resyncPeriod, workers, listPlatformNamespaces, holderIdentity, leaseNamespace, leaseDuration, renewDeadline, retryPeriod, shutdownGrace, kubernetesCallTimeout, watchTimeout, retryBaseDelay, retryMaxDelay, eventBurst, eventRefill";

    private sealed class Validator : IValidateOptions<VvpOperatorOptions>
    {
        public ValidateOptionsResult Validate(string? name, VvpOperatorOptions options)
        {
            if (!options.Enabled)
            {
                return ValidateOptionsResult.Success;
            }

            var problems = options.Problems();
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
