// The bot on Azure Container Apps: a managed environment with its Dapr components,
// and the four services with managed Dapr sidecars. See README.md beside this file.
// ACA runs its own Dapr (1.16.x): the services use nothing newer, and no alpha API.

@description('Prefix for every resource name (lowercase letters and digits; at most 7, so the Key Vault name stays within 24 characters).')
@minLength(2)
@maxLength(7)
param prefix string = 'wabot'
param location string = resourceGroup().location
@description('Login server of an Azure Container Registry in this resource group holding the images, e.g. myregistry.azurecr.io; the identity is given AcrPull on it before the apps are created.')
param registry string
@description('Image tag built and pushed by the commands in README.md.')
param imageTag string = 'latest'
@description('PostgreSQL Flexible Server administrator password (for the state store and the services\' databases).')
@secure()
param postgresPassword string
@description('Object id of whoever deploys and then writes the Key Vault secrets: `az ad signed-in-user show --query id -o tsv`.')
param deployerObjectId string
@description('User for a person, ServicePrincipal for a CI identity.')
@allowed(['User', 'ServicePrincipal'])
param deployerType string = 'User'
@description('The bot\'s WhatsApp number in E.164 without +, e.g. 14155550123 (the sender, and the link back after paying).')
param whatsappNumber string
@description('Twilio: the approved Content template (HX…) sent outside the 24-hour window. Empty on Meta.')
param twilioTemplateSid string = ''
@description('Twilio: the same template approved in other languages, as JSON by language, e.g. {"es": "HX…"}.')
param twilioTemplateSids string = '{}'
@description('Meta Cloud API: the sending phone number id. Empty on Twilio.')
param metaPhoneNumberId string = ''
@description('Where the alerts go (an email address); empty: the alerts fire in the portal only.')
param alertEmail string = ''

var apps = ['message', 'image', 'payment', 'maintenance']
// Who receives which topic: one Service Bus subscription per (topic, app-id).
var subscriptions = {
  'whatsapp.inbound': ['message']
  'photo.submitted': ['image']
  'photo.checked': ['message']
  'checkout.requested': ['payment', 'maintenance']
  'checkout.ready': ['message', 'maintenance']
  'checkout.expired': ['message', 'maintenance']
  'payment.completed': ['message', 'image', 'maintenance']
  'payment.failed': ['message', 'maintenance']
  'payment.refunded': ['message', 'maintenance']
  'tune.started': ['message', 'maintenance']
  'tune.trained': ['message', 'maintenance']
  'tune.failed': ['message', 'payment', 'maintenance']
  'prompt.settled': ['image']
  'images.ready': ['message', 'maintenance']
  'order.completed': ['payment', 'maintenance']
  'user.erased': ['image', 'payment', 'maintenance']
  'maintenance.reconcile': ['message', 'image', 'payment']
  'maintenance.cleanup': ['message', 'image', 'payment']
  'maintenance.report': ['maintenance']
  deadletter: ['maintenance']
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: '${prefix}-identity'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: '${prefix}-logs'
  location: location
  properties: { sku: { name: 'PerGB2018' }, retentionInDays: 30 }
}

resource bus 'Microsoft.ServiceBus/namespaces@2022-10-01-preview' = {
  name: '${prefix}-bus'
  location: location
  sku: { name: 'Standard', tier: 'Standard' }
}

var topicEntries = [for entry in items(subscriptions): entry]

resource topics 'Microsoft.ServiceBus/namespaces/topics@2022-10-01-preview' = [for topic in topicEntries: {
  parent: bus
  name: topic.key
  // Events carry people's addresses and texts: none waits longer than a week (as streamTTL locally).
  properties: { defaultMessageTimeToLive: 'P7D' }
}]

// Pre-created, so the identity needs only Data Sender/Receiver (disableEntityManagement).
module topicSubscriptions 'subscriptions.bicep' = [for i in range(0, length(topicEntries)): {
  name: 'subs-${i}'
  params: { namespaceName: bus.name, topicName: topics[i].name, appIds: topicEntries[i].value }
}]

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  // checkov:skip=CKV_AZURE_109: ACA's default network has no fixed addresses to allow; RBAC and the managed identity guard the vault (VNet integration is the stricter option)
  // checkov:skip=CKV_AZURE_189: the same: the apps reach the vault over its public endpoint
  // checkov:skip=CKV_AZURE_110: purge protection would block re-creating the group under the same name for 90 days; the secrets are provider keys that can be re-issued
  // checkov:skip=CKV_AZURE_42: soft delete is on (7 days); "recoverable" also asks for purge protection, see above
  name: '${prefix}-kv-${uniqueString(resourceGroup().id)}'
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-01-01' = {
  // checkov:skip=CKV_AZURE_35: ACA's default network has no fixed addresses to allow; only the managed identity has a data role, and public blob access is off
  // checkov:skip=CKV_AZURE_206: zone-redundant (ZRS); geo-replication would copy people's photos to a second region, and they are kept for days only
  // checkov:skip=CKV_AZURE_43: checkov cannot evaluate the name; prefix (2-7 lowercase letters and digits) + 'st' + 13 characters is 17-22 lowercase letters and digits
  name: '${prefix}st${uniqueString(resourceGroup().id)}'
  location: location
  sku: { name: 'Standard_ZRS' }
  kind: 'StorageV2'
  properties: { allowBlobPublicAccess: false, minimumTlsVersion: 'TLS1_2' }
}

resource photos 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-01-01' = {
  name: '${storage.name}/default/photos'
}

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2023-06-01-preview' = {
  name: '${prefix}-pg-${uniqueString(resourceGroup().id)}'
  location: location
  sku: { name: 'Standard_B1ms', tier: 'Burstable' }
  properties: {
    version: '16'
    administratorLogin: 'bot'
    administratorLoginPassword: postgresPassword
    storage: { storageSizeGB: 32 }
    network: { publicNetworkAccess: 'Enabled' }
  }
}

// The apps reach PostgreSQL from ACA's default (Microsoft-managed) network: the documented
// "allow Azure services" rule (0.0.0.0). It admits any Azure subscription, so the password
// and TLS (sslmode=require) guard it; VNet integration is the stricter alternative.
resource postgresFromAzure 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2022-12-01' = {
  parent: postgres
  name: 'AllowAllAzureServices'
  properties: { startIpAddress: '0.0.0.0', endIpAddress: '0.0.0.0' }
}

resource databases 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2023-06-01-preview' = [for name in concat(apps, ['dapr_state']): {
  parent: postgres
  name: name
}]

// Role assignments for the one identity all apps share.
var roles = {
  serviceBusSender: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39'
  serviceBusReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  keyVaultSecretsOfficer: 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
  blobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
  acrPull: '7f951dda-4ed3-4680-a7ca-43fe172d538d'
}

resource containerRegistry 'Microsoft.ContainerRegistry/registries@2023-07-01' existing = {
  name: split(registry, '.')[0]
}

// Before the apps exist: an app created without it fails to pull its first revision.
resource registryPull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: containerRegistry
  name: guid(containerRegistry.id, identity.id, roles.acrPull)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.acrPull) }
}

resource busSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: bus
  name: guid(bus.id, identity.id, roles.serviceBusSender)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusSender) }
}

resource busReceiver 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: bus
  name: guid(bus.id, identity.id, roles.serviceBusReceiver)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.serviceBusReceiver) }
}

resource vaultReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, identity.id, roles.keyVaultSecretsUser)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser) }
}

// Owner or Contributor has no data role: without this, `az keyvault secret set` answers
// ForbiddenByRbac to the very person who deployed the vault.
resource vaultWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: vault
  name: guid(vault.id, deployerObjectId, roles.keyVaultSecretsOfficer)
  properties: { principalId: deployerObjectId, principalType: deployerType, roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsOfficer) }
}

// The state store's connection string, written here since only this deployment knows the
// password: the sidecars load the statestore component from their first start.
resource stateConnection 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  // checkov:skip=CKV_AZURE_41: it lives as long as the server's password; a new password is a new deployment, which rewrites it
  parent: vault
  name: 'state-connection-string'
  properties: {
    contentType: 'libpq connection string'
    value: 'host=${postgres.properties.fullyQualifiedDomainName} user=bot password=${postgresPassword} dbname=dapr_state sslmode=require'
  }
}

resource blobWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  scope: storage
  name: guid(storage.id, identity.id, roles.blobDataContributor)
  properties: { principalId: identity.properties.principalId, principalType: 'ServicePrincipal', roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.blobDataContributor) }
}

// Dapr's service-to-service telemetry: ACA's one observability setting for its Dapr.
resource insights 'Microsoft.Insights/components@2020-02-02' = {
  name: '${prefix}-insights'
  location: location
  kind: 'web'
  properties: { Application_Type: 'web', WorkspaceResourceId: logs.id }
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: '${prefix}-env'
  location: location
  properties: {
    daprAIConnectionString: insights.properties.ConnectionString
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: { customerId: logs.properties.customerId, sharedKey: logs.listKeys().primarySharedKey }
    }
  }
}

// The same component names as components/local and components/production.
resource pubsub 'Microsoft.App/managedEnvironments/daprComponents@2025-01-01' = {
  parent: environment
  name: 'pubsub'
  properties: {
    componentType: 'pubsub.azure.servicebus.topics'
    version: 'v1'
    metadata: [
      { name: 'namespaceName', value: '${bus.name}.servicebus.windows.net' }
      { name: 'azureClientId', value: identity.properties.clientId }
      { name: 'disableEntityManagement', value: 'true' }
    ]
    scopes: apps
  }
}

// Retries before dead letters. Every subscription names the dead-letter topic, and without
// an inbound policy Dapr dead-letters a message at its first failure: ACA's counterpart of
// components/production/resiliency.yaml (about 30 minutes of backoff, up to a minute apart).
// A preview API: the only one ACA offers for Dapr component resiliency.
resource pubsubResiliency 'Microsoft.App/managedEnvironments/daprComponents/resiliencyPolicies@2024-10-02-preview' = {
  parent: pubsub
  name: 'pubsub-resiliency'
  properties: {
    inboundPolicy: {
      timeoutPolicy: { responseTimeoutInSeconds: 60 }
      httpRetryPolicy: {
        maxRetries: 40
        retryBackOff: { initialDelayInMilliseconds: 1000, maxIntervalInMilliseconds: 60000 }
      }
    }
    outboundPolicy: {
      timeoutPolicy: { responseTimeoutInSeconds: 10 }
      httpRetryPolicy: {
        maxRetries: 5
        retryBackOff: { initialDelayInMilliseconds: 500, maxIntervalInMilliseconds: 5000 }
      }
      circuitBreakerPolicy: { consecutiveErrors: 5, intervalInSeconds: 60, timeoutInSeconds: 60 }
    }
  }
}

resource statestoreResiliency 'Microsoft.App/managedEnvironments/daprComponents/resiliencyPolicies@2024-10-02-preview' = {
  parent: statestore
  name: 'statestore-resiliency'
  properties: {
    outboundPolicy: {
      timeoutPolicy: { responseTimeoutInSeconds: 10 }
      httpRetryPolicy: {
        maxRetries: 5
        retryBackOff: { initialDelayInMilliseconds: 500, maxIntervalInMilliseconds: 5000 }
      }
    }
  }
}

resource secretstore 'Microsoft.App/managedEnvironments/daprComponents@2025-01-01' = {
  parent: environment
  name: 'secretstore'
  properties: {
    componentType: 'secretstores.azure.keyvault'
    version: 'v1'
    metadata: [
      { name: 'vaultName', value: vault.name }
      { name: 'azureClientId', value: identity.properties.clientId }
    ]
    scopes: apps
  }
}

resource statestore 'Microsoft.App/managedEnvironments/daprComponents@2025-01-01' = {
  parent: environment
  name: 'statestore'
  properties: {
    componentType: 'state.postgresql'
    version: 'v2'
    secretStoreComponent: 'secretstore'
    metadata: [
      { name: 'connectionString', secretRef: 'state-connection-string' }
      { name: 'tablePrefix', value: 'dapr_' }
    ]
    scopes: apps
  }
}

resource blobstore 'Microsoft.App/managedEnvironments/daprComponents@2025-01-01' = {
  parent: environment
  name: 'blobstore'
  properties: {
    componentType: 'bindings.azure.blobstorage'
    version: 'v1'
    metadata: [
      { name: 'accountName', value: storage.name }
      { name: 'containerName', value: 'photos' }
      { name: 'azureClientId', value: identity.properties.clientId }
    ]
    scopes: ['image']
  }
}

resource cronCleanup 'Microsoft.App/managedEnvironments/daprComponents@2025-01-01' = {
  parent: environment
  name: 'cron-cleanup'
  properties: {
    componentType: 'bindings.cron'
    version: 'v1'
    metadata: [ { name: 'schedule', value: '@weekly' }, { name: 'direction', value: 'input' } ]
    scopes: ['maintenance']
  }
}

resource cronReconcile 'Microsoft.App/managedEnvironments/daprComponents@2025-01-01' = {
  parent: environment
  name: 'cron-reconcile'
  properties: {
    componentType: 'bindings.cron'
    version: 'v1'
    metadata: [ { name: 'schedule', value: '0 */5 * * * *' }, { name: 'direction', value: 'input' } ]
    scopes: ['maintenance']
  }
}

// What only one app needs; nothing here defaults to a sandbox value.
var appSettings = {
  message: [
    { name: 'TWILIO_WHATSAPP_FROM', value: 'whatsapp:+${whatsappNumber}' }
    { name: 'TWILIO_TEMPLATE_SID', value: twilioTemplateSid }
    { name: 'TWILIO_TEMPLATE_SIDS', value: twilioTemplateSids }
    { name: 'META_PHONE_NUMBER_ID', value: metaPhoneNumberId }
    { name: 'PACK_PREVIEWS_URL', value: 'https://${prefix}-image.${environment.properties.defaultDomain}/previews' }
  ]
  image: []
  payment: [
    { name: 'SUCCESS_URL', value: 'https://wa.me/${whatsappNumber}?text=paid' }
    { name: 'CANCEL_URL', value: 'https://wa.me/${whatsappNumber}?text=cancelled' }
  ]
  maintenance: []
}

// The original system's replica ranges. maintenance is exactly one: a cron fires on every
// replica and not at all at zero.
var replicas = {
  message: { min: 3, max: 10 }
  image: { min: 2, max: 5 }
  payment: { min: 2, max: 3 }
  maintenance: { min: 1, max: 1 }
}

// More replicas for more HTTP requests (webhooks, callbacks, links), and for a backlog on the
// Service Bus subscriptions an app's work comes from (KEDA's azure-servicebus, read with the
// apps' identity; each subscription is named by the app-id, Dapr's consumer id): a person's
// messages; photos to check and paid orders to train; checkouts to open.
var httpRule = { name: 'http', http: { metadata: { concurrentRequests: '50' } } }
var scaleRules = {
  message: [
    httpRule
    { name: 'bus-whatsapp-inbound', custom: { type: 'azure-servicebus', identity: identity.id, metadata: { namespace: bus.name, topicName: 'whatsapp.inbound', subscriptionName: 'message', messageCount: '20' } } }
  ]
  image: [
    httpRule
    { name: 'bus-photo-submitted', custom: { type: 'azure-servicebus', identity: identity.id, metadata: { namespace: bus.name, topicName: 'photo.submitted', subscriptionName: 'image', messageCount: '20' } } }
    { name: 'bus-payment-completed', custom: { type: 'azure-servicebus', identity: identity.id, metadata: { namespace: bus.name, topicName: 'payment.completed', subscriptionName: 'image', messageCount: '20' } } }
  ]
  payment: [
    httpRule
    { name: 'bus-checkout-requested', custom: { type: 'azure-servicebus', identity: identity.id, metadata: { namespace: bus.name, topicName: 'checkout.requested', subscriptionName: 'payment', messageCount: '20' } } }
  ]
  maintenance: []
}

// Webhook receivers face the internet; maintenance does not.
var external = { message: true, image: true, payment: true, maintenance: false }

resource containerApps 'Microsoft.App/containerApps@2025-01-01' = [for app in apps: {
  name: '${prefix}-${app}'
  location: location
  // Role assignments the apps need from their first start (nothing else references them).
  dependsOn: [registryPull, vaultReader, busSender, busReceiver, blobWriter, stateConnection]
  identity: { type: 'UserAssigned', userAssignedIdentities: { '${identity.id}': {} } }
  properties: {
    managedEnvironmentId: environment.id
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: { external: external[app], targetPort: 8000, transport: 'auto' }
      // httpMaxRequestSize (MB) is daprd's --max-body-size, for gRPC too: the largest picture kept.
      dapr: { enabled: true, appId: app, appPort: 8000, appProtocol: 'http', enableApiLogging: false, httpMaxRequestSize: 20 }
      registries: [ { server: registry, identity: identity.id } ]
      secrets: [ { name: 'database-url', value: 'postgresql+psycopg2://bot:${postgresPassword}@${postgres.properties.fullyQualifiedDomainName}:5432/${app}?sslmode=require' } ]
    }
    template: {
      containers: [
        {
          name: app
          image: '${registry}/wabot-${app}:${imageTag}'
          resources: { cpu: json('0.5'), memory: '1Gi' }
          env: concat([
            { name: 'APP_ID', value: app }
            { name: 'DATABASE_URL', secretRef: 'database-url' }
            { name: 'PUBLIC_BASE_URL', value: 'https://${prefix}-${app}.${environment.properties.defaultDomain}' }
          ], appSettings[app])
          probes: [ { type: 'Liveness', httpGet: { path: '/health', port: 8000 } }, { type: 'Readiness', httpGet: { path: '/ready', port: 8000 } } ]
        }
      ]
      scale: { minReplicas: replicas[app].min, maxReplicas: replicas[app].max, rules: scaleRules[app] }
    }
  }
}]

// Alerts on what the services log (ContainerAppConsoleLogs_CL, one JSON line per record in
// Log_s): ACA does not scrape the apps' /metrics/, so these are the log-query twins of
// deploy/prometheus/alerts.yml. Each phrase is one the code writes (a test checks it).
resource alertReceivers 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: '${prefix}-alerts'
  location: 'global'
  properties: {
    groupShortName: 'bot-alerts'
    enabled: true
    emailReceivers: empty(alertEmail) ? [] : [{ name: 'operator', emailAddress: alertEmail, useCommonAlertSchema: true }]
  }
}

var consoleLogs = 'ContainerAppConsoleLogs_CL'
var alerts = [
  {
    name: 'dead-letters'
    severity: 1
    description: 'Events reached the dead letters: look at GET /deadletters on maintenance, fix the cause, replay.'
    window: 'PT10M'
    query: '${consoleLogs} | where ContainerAppName_s == "${prefix}-maintenance" and Log_s has "dead letter kept"'
    threshold: 0
  }
  {
    name: 'refund-rate'
    severity: 2
    description: 'More than one paid order in ten refunded in the last hour: check Astria and the image service.'
    window: 'PT1H'
    query: '${consoleLogs} | where ContainerAppName_s == "${prefix}-payment" | summarize refunds = countif(Log_s has "refund created"), paid = countif(Log_s has "\\"announced\\"" and Log_s has "payment.completed") | where refunds > 0.1 * max_of(paid, 1)'
    threshold: 0
  }
  {
    name: 'outside-the-window'
    severity: 2
    description: 'A provider refused messages as outside the 24-hour window (63016, 131047): the person got the template instead.'
    window: 'PT30M'
    query: '${consoleLogs} | where ContainerAppName_s == "${prefix}-message" and Log_s has "outside the 24-hour window, the provider said"'
    threshold: 0
  }
  {
    name: 'stripe-webhook-failures'
    severity: 1
    description: 'Stripe\'s webhook is refused or failing: a 400 is the webhook secret or the clock, a 500 an announcement not yet published.'
    window: 'PT15M'
    query: '${consoleLogs} | where ContainerAppName_s == "${prefix}-payment" and Log_s has "webhook refused" and Log_s has "/payment-received"'
    threshold: 0
  }
  {
    name: 'stuck-orders'
    severity: 2
    description: 'Orders need a look (paid and not training, past the ETA, or short of portraits): GET /orders/stuck on maintenance says which and why.'
    window: 'PT15M'
    query: '${consoleLogs} | where ContainerAppName_s == "${prefix}-maintenance" and Log_s has "orders stuck"'
    threshold: 0
  }
]

resource logAlerts 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [for alert in alerts: {
  name: '${prefix}-${alert.name}'
  location: location
  properties: {
    displayName: '${prefix}: ${alert.name}'
    description: alert.description
    severity: alert.severity
    enabled: true
    scopes: [logs.id]
    evaluationFrequency: 'PT5M'
    windowSize: alert.window
    criteria: {
      allOf: [
        {
          query: alert.query
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: alert.threshold
          failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
        }
      ]
    }
    actions: { actionGroups: [alertReceivers.id] }
  }
}]

output webhooks object = {
  twilioInbound: 'https://${containerApps[0].properties.configuration.ingress.fqdn}/SmsReceived'
  twilioStatus: 'https://${containerApps[0].properties.configuration.ingress.fqdn}/twilio/status'
  meta: 'https://${containerApps[0].properties.configuration.ingress.fqdn}/webhooks/meta'
  astriaCallbackBase: 'https://${containerApps[1].properties.configuration.ingress.fqdn}'
  stripe: 'https://${containerApps[2].properties.configuration.ingress.fqdn}/payment-received'
}
output keyVault string = vault.name
