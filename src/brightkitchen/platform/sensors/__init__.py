"""Sensors: fridge, freezer, humidity, gas and power readings over MQTT or the device relay, with rules that
raise one alert while a breach lasts and clear it on recovery."""
