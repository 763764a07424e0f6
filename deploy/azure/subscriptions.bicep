// One Service Bus subscription per app-id on a topic: the Dapr consumer id is the app-id.
param namespaceName string
param topicName string
param appIds array

resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2022-10-01-preview' = [for appId in appIds: {
  name: '${namespaceName}/${topicName}/${appId}'
  properties: { maxDeliveryCount: 10, lockDuration: 'PT1M', deadLetteringOnMessageExpiration: true }
}]
